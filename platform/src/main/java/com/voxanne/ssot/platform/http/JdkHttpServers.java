package com.voxanne.ssot.platform.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Creates JDK {@link HttpServer}s with Nagle's algorithm off, and a bound on how long a client may take to send its
 * request ({@link #MAX_REQUEST_SECONDS}: a slow client cannot hold a server thread). The JDK server writes a response's headers
 * and body as separate small segments and leaves TCP_NODELAY off unless {@code sun.net.httpserver.nodelay}
 * is set; against a client's delayed ACK that costs ~40-50 ms per request (measured here: 50 ms -> 3 ms per
 * simulated Twilio call). The properties are read once, when the first server is created, so every server in
 * this process is made here.
 */
public final class JdkHttpServers {
    /** How long a client may take to send a whole request before its connection is closed. */
    public static final int MAX_REQUEST_SECONDS = 10;

    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
        }
    }

    private JdkHttpServers() {
    }

    public static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
        return HttpServer.create(address, backlog);
    }
}

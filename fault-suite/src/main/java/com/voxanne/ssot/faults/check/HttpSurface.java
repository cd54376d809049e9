package com.voxanne.ssot.faults.check;

import com.voxanne.ssot.faults.check.ObservedState.HttpAttack;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Attacks the status server as a client on the network or a hostile page in a developer's browser would: no token, a
 * wrong token, the metrics token on a data route, another organisation's compliance, a Host header that is not
 * loopback (DNS rebinding), and slow clients holding connections while the healthcheck must still answer. Each attack
 * is recorded with what it was expected to get and what it got.
 */
final class HttpSurface {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Connections that send half a request and stop: more than the data routes' concurrency. */
    private static final int SLOW_CLIENTS = 24;
    /** A healthcheck that must answer while they hang on (compose's healthcheck gives it 5 s). */
    private static final Duration HEALTH_DEADLINE = Duration.ofSeconds(5);

    private final String baseUrl;
    private final int port;
    private final String token;
    private final String metricsToken;
    private final String otherOrgId;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<HttpAttack> attacks = new ArrayList<>();

    HttpSurface(String baseUrl, int port, String token, String metricsToken, String otherOrgId) {
        this.baseUrl = baseUrl;
        this.port = port;
        this.token = token;
        this.metricsToken = metricsToken;
        this.otherOrgId = otherOrgId;
    }

    List<HttpAttack> attack() throws InterruptedException {
        for (String path : List.of("/api/status", "/api/violations", "/api/compliance?org=" + otherOrgId, "/metrics")) {
            expect("no token: GET " + path, 401, get(path, null));
            expect("wrong token: GET " + path, 401, get(path, "Bearer not-the-token"));
        }
        expect("metrics token on a data route: GET /api/status", 401, get("/api/status", "Bearer " + metricsToken));
        expect("metrics token: GET /metrics", 200, get("/metrics", "Bearer " + metricsToken));
        expect("the token: GET /api/status", 200, get("/api/status", "Bearer " + token));
        expect("no token: GET /health (open to healthchecks)", 200, get("/health", null));
        expect("hostile Host (DNS rebinding): GET /health", 421, raw("GET /health HTTP/1.1\r\nHost: rebind.attacker.example\r\n"));
        expect("hostile Host with the token: GET /api/status", 421, raw("GET /api/status HTTP/1.1\r\nHost: 127.0.0.1.attacker.example"
                + "\r\nAuthorization: Bearer " + token + "\r\n"));
        slowClients();
        return List.copyOf(attacks);
    }

    private void expect(String attack, int expected, int got) {
        attacks.add(new HttpAttack(attack, String.valueOf(expected), got < 0 ? "no answer" : String.valueOf(got), got == expected));
    }

    private void slowClients() throws InterruptedException {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write(("GET /api/status HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII)); // and never the blank line that ends the request
                s.getOutputStream().flush();
                slow.add(s);
            }
            long t0 = System.nanoTime();
            int status = get("/health", null);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            boolean held = status == 200 && took.compareTo(HEALTH_DEADLINE) <= 0;
            attacks.add(new HttpAttack(SLOW_CLIENTS + " slow clients hold connections: GET /health",
                    "200 within " + HEALTH_DEADLINE.toSeconds() + " s", status + " in " + took.toMillis() + " ms", held));
        } catch (IOException e) {
            attacks.add(new HttpAttack(SLOW_CLIENTS + " slow clients hold connections: GET /health", "200", "client failed: "
                    + e.getMessage(), false));
        } finally {
            for (Socket s : slow) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing our own probe socket: nothing to report
                }
            }
        }
    }

    private int get(String path, String authorization) throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** A request with exactly these headers: the JDK client will not forge a Host. */
    private int raw(String head) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            s.getOutputStream().write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                line.append((char) c);
            }
            String[] parts = line.toString().split(" ");
            return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}

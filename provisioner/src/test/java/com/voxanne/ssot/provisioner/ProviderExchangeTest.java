package com.voxanne.ssot.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.voxanne.ssot.platform.http.JdkHttpServers;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A provider exchange is bounded as a whole (headers and body) and answered on the calling thread. */
class ProviderExchangeTest {
    private static final Duration DEADLINE = Duration.ofMillis(700);
    private static final byte[] ANSWER = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    private final CountDownLatch release = new CountDownLatch(1);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ExecutorService serverThreads;
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = JdkHttpServers.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/ok", ex -> answer(ex, ANSWER.length, ANSWER));
        server.createContext("/slow-but-complete", ex -> {
            hold(DEADLINE.dividedBy(4));
            answer(ex, ANSWER.length, ANSWER);
        });
        server.createContext("/no-headers", ex -> {
            hold(Duration.ofSeconds(60));
            answer(ex, ANSWER.length, ANSWER);
        });
        server.createContext("/stalled-body", ex -> {
            // the headers and the first bytes now, the rest never (until the test ends)
            ex.sendResponseHeaders(200, 1_000);
            OutputStream out = ex.getResponseBody();
            out.write("{\"partial\":".getBytes(StandardCharsets.UTF_8));
            out.flush();
            hold(Duration.ofSeconds(60));
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Test
    void shouldReturnTheWholeAnswerWhenItArrivesWithinTheDeadline() throws Exception {
        HttpResponse<String> fast = ProviderExchange.send(http, get("/ok"), DEADLINE);
        HttpResponse<String> slow = ProviderExchange.send(http, get("/slow-but-complete"), DEADLINE);

        assertThat(fast.statusCode()).isEqualTo(200);
        assertThat(fast.body()).isEqualTo("{\"ok\":true}");
        assertThat(slow.body()).isEqualTo("{\"ok\":true}");
    }

    @Test
    void shouldGiveUpWithATimeoutWhenTheHeadersDoNotCome() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> ProviderExchange.send(http, get("/no-headers"), DEADLINE))
                    .isInstanceOf(HttpTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(DEADLINE.minusMillis(50));
        });
    }

    @Test
    void shouldCutTheExchangeWhenTheBodyStallsPastTheDeadline() {
        // java.net.http's request timeout bounds only the wait for the headers: without the body's deadline this call
        // would wait the server's whole minute (and the preemptive bound would fail the test)
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> ProviderExchange.send(http, get("/stalled-body"), DEADLINE))
                    .isInstanceOf(HttpTimeoutException.class)
                    .hasMessageContaining("not complete within " + DEADLINE.toMillis() + " ms");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(DEADLINE.minusMillis(50));
        });
        // the client is still usable: the cut connection is not handed to the next exchange
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                assertThat(ProviderExchange.send(http, get("/ok"), DEADLINE).body()).isEqualTo("{\"ok\":true}"));
    }

    @Test
    void shouldStartNoThreadPerExchange() throws Exception {
        // HttpClient.sendAsync completes through CompletableFuture's default executor, which starts a thread per answer
        // on a machine of 2 cores or fewer: 200 calls would start 200 threads there
        for (int i = 0; i < 20; i++) {
            ProviderExchange.send(http, get("/ok"), DEADLINE); // warm the client's and the server's pools
        }
        long before = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
        for (int i = 0; i < 200; i++) {
            assertThat(ProviderExchange.send(http, get("/ok"), DEADLINE).statusCode()).isEqualTo(200);
        }
        long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - before;

        assertThat(started).as("threads started during 200 sequential exchanges").isLessThan(50);
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://" + server.getAddress().getHostString() + ":"
                        + server.getAddress().getPort() + path))
                .timeout(DEADLINE)
                .GET()
                .build();
    }

    private void hold(Duration d) {
        try {
            release.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange ex, int length, byte[] body) throws IOException {
        try (ex) {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, length);
            ex.getResponseBody().write(body);
        }
    }
}

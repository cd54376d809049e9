package com.voxanne.ssot.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.metrics.Metrics;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Who may read the status server: the token, the metrics token, the Host check, the headers, the busy limit. */
class StatusServerAccessTest {
    private static final Secret TOKEN = Secret.of("tok-3f9a1c77e2");
    private static final Secret METRICS_TOKEN = Secret.of("scrape-81bb40d2");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldRefuseToServeBeyondLoopbackWithoutAToken() {
        assertThatThrownBy(() -> StatusServer.start(new HttpAccess("0.0.0.0", 0, Optional.empty(), Optional.empty()),
                new HealthRegistry(), Metrics.newRegistry(), Redactor.none()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SSOT_HTTP_HOST=0.0.0.0").hasMessageContaining("SSOT_HTTP_TOKEN");
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SSOT_HTTP_HOST", "0.0.0.0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("set SSOT_HTTP_TOKEN");
        assertThat(SsotConfig.from(ConfigSource.of(Map.of("SSOT_HTTP_HOST", "0.0.0.0", "SSOT_HTTP_TOKEN", TOKEN.reveal())))
                .http().token()).contains(TOKEN);
    }

    @Test
    void shouldAskForTheTokenOnEveryRouteButHealthAndThePageShell() throws Exception {
        HttpAccess access = HttpAccess.loopback(0).withToken(TOKEN).withMetricsToken(METRICS_TOKEN);
        try (StatusServer server = StatusServer.start(access, new HealthRegistry(), Metrics.newRegistry(), Redactor.none())) {
            server.route("/api/orgs", ex -> StatusServer.respondJson(ex, 200, Map.of("org", "data")));
            server.shellRoute("/page", ex -> StatusServer.respond(ex, 200, "text/html", "<p>shell</p>"));
            String base = server.baseUrl();

            assertThat(get(base + "/health", null).statusCode()).isEqualTo(200);
            assertThat(get(base + "/page", null).statusCode()).isEqualTo(200);
            HttpResponse<String> anonymous = get(base + "/api/orgs", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"ssot\"");
            assertThat(anonymous.body()).doesNotContain("data");
            assertThat(get(base + "/api/orgs", "Bearer wrong-token").statusCode()).isEqualTo(401);
            assertThat(get(base + "/api/orgs", "Bearer " + METRICS_TOKEN.reveal()).statusCode())
                    .as("the metrics token opens /metrics only").isEqualTo(401);
            assertThat(get(base + "/api/orgs", "Bearer " + TOKEN.reveal()).body()).contains("data");
            assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", "Bearer " + METRICS_TOKEN.reveal()).statusCode()).isEqualTo(200);
            assertThat(get(base + "/metrics", "Bearer " + TOKEN.reveal()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldSendSecurityHeadersOnEveryAnswer() throws Exception {
        try (StatusServer server = StatusServer.start(HttpAccess.loopback(0).withToken(TOKEN), new HealthRegistry(),
                Metrics.newRegistry(), Redactor.none())) {
            server.route("/api/x", ex -> StatusServer.respondJson(ex, 200, Map.of()));
            for (HttpResponse<String> r : List.of(get(server.baseUrl() + "/health", null), get(server.baseUrl() + "/api/x", null))) {
                assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
                assertThat(r.headers().firstValue("Content-Security-Policy")).contains(StatusServer.CONTENT_SECURITY_POLICY);
                assertThat(StatusServer.CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'").contains("script-src 'self'")
                        .doesNotContain("unsafe-inline");
                assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
                assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
            }
        }
    }

    @Test
    void shouldAnswerHeadWithTheHeadersOfGetAndNoBody() throws Exception {
        try (StatusServer server = StatusServer.start(HttpAccess.loopback(0), new HealthRegistry(), Metrics.newRegistry(),
                Redactor.none())) {
            server.shellRoute("/page", ex -> StatusServer.respond(ex, 200, "text/html", "<p>shell</p>"));

            HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/page"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Type")).contains("text/html");
            assertThat(head.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void shouldAnswerOnlyALoopbackHostOnLoopback() throws Exception {
        try (StatusServer server = StatusServer.start(HttpAccess.loopback(0), new HealthRegistry(), Metrics.newRegistry(),
                Redactor.none())) {
            assertThat(rawStatusLine(server.port(), "GET /health HTTP/1.1\r\nHost: rebound.attacker.example\r\n"))
                    .contains(" 421 ");
            assertThat(rawStatusLine(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1.attacker.example\r\n"))
                    .contains(" 421 ");
            assertThat(rawStatusLine(server.port(), "GET /health HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\n"))
                    .contains(" 200 ");
            assertThat(rawStatusLine(server.port(), "GET /health HTTP/1.1\r\nHost: [::1]:" + server.port() + "\r\n"))
                    .contains(" 200 ");
        }
    }

    @Test
    void shouldRedactSecretsAndCredentialsInHealthDetails() throws Exception {
        HealthRegistry health = new HealthRegistry();
        health.register("postgres", () -> ComponentHealth.down("cannot connect to jdbc:postgresql://db:5432/ssot?password=hunter22"));
        health.register("twilio", () -> ComponentHealth.down("401 for token tw-secret-0042 on the account"));
        Redactor redactor = Redactor.of(List.of(Secret.of("tw-secret-0042")));
        try (StatusServer server = StatusServer.start(HttpAccess.loopback(0), health, Metrics.newRegistry(), redactor)) {
            String body = get(server.baseUrl() + "/health", null).body();

            assertThat(body).doesNotContain("hunter22").doesNotContain("tw-secret-0042").contains("password=****")
                    .contains("\"status\":\"DOWN\"");
        }
    }

    @Test
    void shouldKeepAnsweringHealthWhileDataRoutesAreBusyAndTurnAwayTheRest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(StatusServer.DATA_CONCURRENCY);
        try (StatusServer server = StatusServer.start(HttpAccess.loopback(0), new HealthRegistry(), Metrics.newRegistry(),
                Redactor.none())) {
            server.route("/api/slow", ex -> {
                entered.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                StatusServer.respondJson(ex, 200, Map.of("done", true));
            });
            List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < StatusServer.DATA_CONCURRENCY; i++) {
                slow.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/slow")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            try {
                assertThat(entered.await(30, TimeUnit.SECONDS)).as("every data slot taken").isTrue();

                assertThat(get(server.baseUrl() + "/health", null).statusCode()).isEqualTo(200);
                HttpResponse<String> turnedAway = get(server.baseUrl() + "/api/slow", null);
                assertThat(turnedAway.statusCode()).isEqualTo(503);
                assertThat(turnedAway.headers().firstValue("Retry-After")).contains("1");
            } finally {
                release.countDown();
            }
            for (CompletableFuture<HttpResponse<String>> f : slow) {
                assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void shouldCutOffAClientThatNeverFinishesItsRequest() throws Exception {
        try (StatusServer server = StatusServer.start(HttpAccess.loopback(0), new HealthRegistry(), Metrics.newRegistry(),
                Redactor.none());
             Socket slowloris = new Socket("127.0.0.1", server.port())) {
            OutputStream out = slowloris.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII)); // never ends
            out.flush();
            slowloris.setSoTimeout((int) Duration.ofSeconds(60).toMillis());
            long t0 = System.nanoTime();

            int read = slowloris.getInputStream().read();

            assertThat(read).as("the server closed the connection").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(45));
            await().atMost(Duration.ofSeconds(10)).until(() -> get(server.baseUrl() + "/health", null).statusCode() == 200);
        }
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request with exactly these headers (the JDK client will not send a forged Host). */
    private static String rawStatusLine(int port, String requestHead) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write((requestHead + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                line.append((char) c);
            }
            return line.toString();
        }
    }
}

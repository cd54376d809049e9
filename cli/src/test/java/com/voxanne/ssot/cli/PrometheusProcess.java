package com.voxanne.ssot.cli;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real Prometheus server (Debian's {@code prometheus}, 2.42 here) as a child process: its configuration, rules and
 * storage in a directory of the test's, listening on a free loopback port. {@link #close()} stops it (SIGTERM, then
 * SIGKILL after 20 s) and waits until it and anything it started are gone.
 */
final class PrometheusProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final String baseUrl;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusProcess(Process process, String baseUrl, Path log) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.log = log;
    }

    /**
     * Starts Prometheus on {@code config} (rule files relative to it) with its storage under {@code dir}, and returns once
     * it answers {@code /-/ready}.
     *
     * @throws AssertionError when the prometheus binary is not installed (CI installs Debian's package), naming it
     */
    static PrometheusProcess start(Path dir, Path config, Duration readyWithin) throws IOException, InterruptedException {
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        ProcessBuilder pb = new ProcessBuilder("prometheus",
                "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=info")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new AssertionError("prometheus is not installed: the integration test runs a real Prometheus (Debian"
                    + " package prometheus, which brings promtool; .ci/run installs it)", e);
        }
        PrometheusProcess prometheus = new PrometheusProcess(process, "http://127.0.0.1:" + port, log);
        try {
            prometheus.awaitReady(readyWithin);
        } catch (RuntimeException | Error e) {
            prometheus.close();
            throw e;
        }
        return prometheus;
    }

    private void awaitReady(Duration within) {
        try {
            await("prometheus ready").atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("prometheus exited with " + process.exitValue() + " at start:\n" + log());
                }
                try {
                    return get("/-/ready").statusCode() == 200;
                } catch (IOException e) {
                    return false; // not listening yet
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("prometheus not ready within " + within + ":\n" + log(), e);
        }
    }

    String baseUrl() {
        return baseUrl;
    }

    long pid() {
        return process.pid();
    }

    /** One alert as {@code /api/v1/alerts} lists it (pending or firing). */
    record Alert(String name, String state, Map<String, String> labels) {
    }

    /** Prometheus's own view of its alerts: {@code GET /api/v1/alerts}. */
    List<Alert> alerts() throws IOException, InterruptedException {
        JsonNode data = api("/api/v1/alerts").path("alerts");
        List<Alert> out = new ArrayList<>();
        for (JsonNode a : data) {
            Map<String, String> labels = JSON.convertValue(a.path("labels"), JSON.getTypeFactory()
                    .constructMapType(Map.class, String.class, String.class));
            out.add(new Alert(labels.get("alertname"), a.path("state").asText(), labels));
        }
        return out;
    }

    /** The health of each active scrape target ({@code up}, {@code down}, {@code unknown}) by scrape URL, with errors. */
    List<String> targets() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode t : api("/api/v1/targets").path("activeTargets")) {
            out.add(t.path("scrapeUrl").asText() + " " + t.path("health").asText() + " " + t.path("lastError").asText());
        }
        return out;
    }

    /** The rule groups Prometheus loaded: each rule's name and health. */
    List<String> ruleHealth() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode g : api("/api/v1/rules").path("groups")) {
            for (JsonNode r : g.path("rules")) {
                out.add(r.path("name").asText() + " " + r.path("health").asText());
            }
        }
        return out;
    }

    private JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> res = get(path);
        if (res.statusCode() != 200) {
            throw new IOException(path + " answered " + res.statusCode() + ": " + res.body());
        }
        JsonNode body = JSON.readTree(res.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new IOException(path + ": " + res.body());
        }
        return body.path("data");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Whether the process or any process it started is still alive. */
    boolean anythingLeft() {
        return process.isAlive() || process.descendants().anyMatch(ProcessHandle::isAlive);
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

package com.voxanne.ssot.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.metrics.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldReportEachComponentAndAnswer503WhenOneIsDown() throws Exception {
        HealthRegistry health = new HealthRegistry();
        PrometheusMeterRegistry metrics = Metrics.newRegistry();
        health.register("kafka", () -> ComponentHealth.up(Map.of("bootstrap", "127.0.0.1:1")));
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, health, metrics)) {
            HttpResponse<String> up = get(server.baseUrl() + "/health");
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).contains("\"status\":\"UP\"").contains("\"kafka\"");

            health.register("postgres", () -> ComponentHealth.down("connection refused"));
            HttpResponse<String> down = get(server.baseUrl() + "/health");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("\"status\":\"DOWN\"").contains("connection refused");
        }
    }

    @Test
    void shouldServePrometheusMetricsIncludingFailureCounters() throws Exception {
        PrometheusMeterRegistry metrics = Metrics.newRegistry();
        Metrics.failures(metrics, "provisioner", "TWILIO_PURCHASE").increment();
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, new HealthRegistry(), metrics)) {
            HttpResponse<String> res = get(server.baseUrl() + "/metrics");

            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).contains("ssot_failures_total{failure_point=\"TWILIO_PURCHASE\",service=\"provisioner\"} 1.0");
        }
    }

    @Test
    void shouldReportDownWhenAHealthCheckThrows() {
        HealthRegistry health = new HealthRegistry();
        health.register("broken", () -> {
            throw new IllegalStateException("boom");
        });

        assertThat(HealthRegistry.overall(health.snapshot())).isEqualTo(ComponentHealth.Status.DOWN);
        assertThat(health.snapshot().get("broken").details()).containsEntry("reason", "IllegalStateException: boom");
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

package com.voxanne.ssot.reconciler.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.reconciler.testing.Cdc.Credentials;
import com.voxanne.ssot.reconciler.testing.Cdc.Managed;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopology;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopologyConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The interactive queries and their HTTP routes, over the stores of a TopologyTestDriver. */
class ComplianceQueriesTest {
    static final Duration GRACE = Duration.ofSeconds(30);
    static final Instant START = Instant.parse("2026-02-11T10:00:00Z");

    @TempDir
    Path stateDir;

    TopologyTestDriver driver;
    ComplianceQueries queries;
    final String org = UUID.randomUUID().toString();
    final String otherOrg = UUID.randomUUID().toString();
    final Managed missing = new Managed(UUID.randomUUID().toString(), org, "+14155550101", "vapi-1");
    final Managed compliant = new Managed(UUID.randomUUID().toString(), org, "+14155550102", "vapi-2");
    final Managed pending = new Managed(UUID.randomUUID().toString(), org, "+14155550103", "vapi-3");
    final Managed released = new Managed(UUID.randomUUID().toString(), org, "+14155550104", "vapi-4").released();
    final Managed foreign = new Managed(UUID.randomUUID().toString(), otherOrg, "+14155550105", "vapi-5");

    @BeforeEach
    void given() {
        ReconcilerTopologyConfig config = ReconcilerTopologyConfig.of("m", "c", "v", GRACE)
                .withPunctuationInterval(Duration.ofSeconds(1));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "queries-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ReconcilerTopology.buildTopology(config), p, START);
        TestInputTopic<String, String> m = driver.createInputTopic("m", new StringSerializer(), new StringSerializer());
        TestInputTopic<String, String> c = driver.createInputTopic("c", new StringSerializer(), new StringSerializer());
        m.pipeInput(missing.key(), missing.created());
        m.pipeInput(compliant.key(), compliant.created());
        c.pipeInput(compliant.key(), Credentials.of(compliant, 1).created());
        m.pipeInput(released.key(), released.created());
        m.pipeInput(foreign.key(), foreign.created());
        for (int i = 0; i < 30; i++) {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        }
        m.pipeInput(pending.key(), pending.created());
        queries = new ComplianceQueries(new StoreAccess() {
            @Override
            public <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String name) {
                return driver.getKeyValueStore(name);
            }
        }, config.stores());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void shouldListOpenViolationsWithTheirAge() {
        List<OpenViolationView> open = queries.openViolations(START.plus(Duration.ofSeconds(95)));

        assertThat(open).extracting(OpenViolationView::phoneNumber)
                .containsExactlyInAnyOrder(missing.phone, foreign.phone);
        OpenViolationView v = open.stream().filter(o -> o.phoneNumber().equals(missing.phone)).findFirst().orElseThrow();
        assertThat(v.kind()).isEqualTo("MISSING_SSOT_ROW");
        assertThat(v.orgId()).isEqualTo(org);
        assertThat(v.missingSince()).isEqualTo(START);
        assertThat(v.ageSeconds()).isEqualTo(95);
        assertThat(queries.openCount()).isEqualTo(2);
    }

    @Test
    void shouldReportEachActiveManagedNumberOfOneOrgOnly() {
        OrgComplianceView view = queries.orgCompliance(org);

        assertThat(view.compliant()).isFalse();
        assertThat(view.managedNumbers()).isEqualTo(3);
        assertThat(view.nonCompliant()).isEqualTo(2);
        assertThat(view.numbers()).extracting(NumberComplianceView::phoneNumber, NumberComplianceView::compliance,
                        NumberComplianceView::alert)
                .containsExactly(
                        tuple(missing.phone, "MISSING_SSOT_ROW", "OPEN"),
                        tuple(compliant.phone, "COMPLIANT", "NONE"),
                        tuple(pending.phone, "MISSING_SSOT_ROW", "PENDING"));
    }

    @Test
    void shouldServeQueriesOverHttpWithClearErrors() throws Exception {
        // given the routes on a real status server
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, new HealthRegistry(), Metrics.newRegistry())) {
            new QueryRoutes(() -> Optional.of(queries), Clock.fixed(START.plusSeconds(60), ZoneOffset.UTC)).register(server);
            HttpClient http = HttpClient.newHttpClient();

            // when / then: the open violations
            HttpResponse<String> violations = get(http, server.baseUrl() + "/api/violations");
            assertThat(violations.statusCode()).isEqualTo(200);
            JsonNode body = StatusServer.JSON.readTree(violations.body());
            assertThat(body.get("open").asInt()).isEqualTo(2);
            assertThat(body.get("violations").get(0).get("ageSeconds").asLong()).isEqualTo(60);

            // and the compliance of one org
            HttpResponse<String> compliance = get(http, server.baseUrl() + "/api/compliance?org=" + org);
            assertThat(compliance.statusCode()).isEqualTo(200);
            JsonNode report = StatusServer.JSON.readTree(compliance.body());
            assertThat(report.get("managedNumbers").asInt()).isEqualTo(3);
            assertThat(report.get("compliant").asBoolean()).isFalse();

            // and the errors
            assertThat(get(http, server.baseUrl() + "/api/compliance?org=not-a-uuid").statusCode()).isEqualTo(400);
            assertThat(get(http, server.baseUrl() + "/api/compliance").statusCode()).isEqualTo(400);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/violations"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void shouldServeTheTimelineOverHttpPerTheContract() throws Exception {
        // given the routes on a real status server, 60 s after the start: missing and foreign opened at 30 s
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, new HealthRegistry(), Metrics.newRegistry())) {
            new QueryRoutes(() -> Optional.of(queries), Clock.fixed(START.plusSeconds(60), ZoneOffset.UTC)).register(server);
            HttpClient http = HttpClient.newHttpClient();

            // when one org's timeline is asked for (in upper case: the id is canonicalised)
            HttpResponse<String> one = get(http, server.baseUrl() + "/api/timeline?org=" + org.toUpperCase());

            // then
            assertThat(one.statusCode()).isEqualTo(200);
            JsonNode body = StatusServer.JSON.readTree(one.body());
            assertThat(body.get("orgId").asText()).isEqualTo(org);
            assertThat(body.get("episodes")).hasSize(1);
            JsonNode episode = body.get("episodes").get(0);
            assertThat(episode.get("orgId").asText()).isEqualTo(org);
            assertThat(episode.get("phoneNumber").asText()).isEqualTo(missing.phone);
            assertThat(episode.get("kind").asText()).isEqualTo("MISSING_SSOT_ROW");
            assertThat(episode.get("state").asText()).isEqualTo("OPEN");
            assertThat(episode.get("missingSince").asText()).isEqualTo(START.toString());
            assertThat(episode.get("openedAt").asText()).isEqualTo(START.plus(GRACE).toString());
            assertThat(episode.has("resolvedAt")).isTrue();
            assertThat(episode.get("resolvedAt").isNull()).isTrue();
            assertThat(episode.get("resolvedBy").isNull()).isTrue();
            assertThat(episode.get("durationSeconds").asLong()).isEqualTo(30);

            // and over all orgs, without the org
            HttpResponse<String> all = get(http, server.baseUrl() + "/api/timeline");
            assertThat(all.statusCode()).isEqualTo(200);
            JsonNode recent = StatusServer.JSON.readTree(all.body());
            assertThat(recent.has("orgId")).isFalse();
            assertThat(recent.get("episodes").findValuesAsText("orgId")).containsExactlyInAnyOrder(org, otherOrg);

            // and the errors
            assertThat(get(http, server.baseUrl() + "/api/timeline?org=not-a-uuid").statusCode()).isEqualTo(400);
            assertThat(get(http, server.baseUrl() + "/api/timeline?org=").statusCode()).isEqualTo(400);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/timeline"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void shouldAnswerServiceUnavailableBeforeTheReconcilerRuns() throws Exception {
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, new HealthRegistry(), Metrics.newRegistry())) {
            new QueryRoutes(Optional::empty, Clock.systemUTC()).register(server);

            HttpResponse<String> response = get(HttpClient.newHttpClient(), server.baseUrl() + "/api/violations");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).contains("1");
            assertThat(response.body()).contains("not running");
            HttpResponse<String> timeline = get(HttpClient.newHttpClient(), server.baseUrl() + "/api/timeline?org=" + org);
            assertThat(timeline.statusCode()).isEqualTo(503);
            assertThat(StatusServer.JSON.readTree(timeline.body()).get("error").asText()).contains("not running");
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}

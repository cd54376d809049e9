package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.backfill.Backfill;
import com.voxanne.ssot.projector.backfill.BackfillListener;
import com.voxanne.ssot.projector.backfill.BackfillSummary;
import com.voxanne.ssot.projector.backfill.StartFrom;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipped alert rules evaluated by a real Prometheus (Debian's 2.42) scraping a running pipeline's /metrics with the
 * metrics token, as deployments do: a lost SSOT row makes Prometheus's own {@code /api/v1/alerts} show
 * {@code SsotViolationOpen} firing, and the repair (a backfill) clears it. The rules are the shipped file with every
 * {@code for:} rewritten to {@code 0s} (the one documented change, {@link ShippedOperationsFiles#rulesWithForDurations});
 * scrapes and evaluations every second.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusAlertingTest {
    private static final Logger log = LoggerFactory.getLogger(PrometheusAlertingTest.class);
    private static final String VIOLATION_ALERT = "SsotViolationOpen";
    private static final String METRICS_TOKEN = "metrics-" + UUID.randomUUID();
    /** Labels that would make a series per organisation or per number. */
    private static final Set<String> FORBIDDEN_LABELS = Set.of("org", "org_id", "orgid", "organization", "organisation",
            "phone", "phone_number", "number", "e164", "request_id", "vapi_phone_id", "twilio_sid");

    @TempDir
    static Path dataDir;
    @TempDir
    static Path prometheusDir;

    private TestPipeline stack;
    private PrometheusProcess prometheus;
    private final HttpClient http = HttpClient.newHttpClient();
    private ProvisioningResult provisioned;

    @BeforeAll
    void startPipelineAndPrometheus() throws Exception {
        stack = TestPipeline.start("prometheus", dataDir, Map.of("SSOT_GRACE", "2s", "SSOT_METRICS_TOKEN", METRICS_TOKEN));
        DemoSeed.apply(stack.db.dataSource());
        prometheus = PrometheusProcess.start(prometheusDir, writeConfig(), Duration.ofSeconds(30));
    }

    /** The shipped rules (for: 0s) and a scrape of this pipeline's status server every second, with the metrics token. */
    private Path writeConfig() throws Exception {
        Path token = Files.writeString(prometheusDir.resolve("ssot-metrics-token"), METRICS_TOKEN);
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("r--------"));
        Files.writeString(prometheusDir.resolve("ssot-alerts.yml"), ShippedOperationsFiles.rulesWithForDurations("0s"));
        URI status = URI.create(stack.pipeline.whereabouts().get("STATUS_URL"));
        return Files.writeString(prometheusDir.resolve("prometheus.yml"), String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  scrape_timeout: 1s",
                "  evaluation_interval: 1s",
                "rule_files:",
                "  - ssot-alerts.yml",
                "scrape_configs:",
                "  - job_name: ssot",
                "    metrics_path: /metrics",
                "    authorization:",
                "      type: Bearer",
                "      credentials_file: " + token,
                "    static_configs:",
                "      - targets: ['" + status.getHost() + ":" + status.getPort() + "']",
                ""));
    }

    @AfterAll
    void stopPrometheusAndPipeline() throws Exception {
        try {
            if (prometheus != null) {
                prometheus.close();
                assertThat(prometheus.anythingLeft()).as("prometheus (pid %s) or a child still running", prometheus.pid()).isFalse();
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }

    @Test
    @Order(1)
    void shouldShowStreamsClientAndDebeziumMetricsNextToOursWithNoLabelPerOrgOrNumber() throws Exception {
        // given a provisioned number, so that every part has done its work once
        provisioned = provision();
        String metricsUrl = stack.pipeline.whereabouts().get("STATUS_URL") + "metrics";
        assertThat(get(metricsUrl, null).statusCode()).as("/metrics without the token").isEqualTo(401);

        // when /metrics is read with the metrics token, as Prometheus does
        HttpResponse<String> res = get(metricsUrl, METRICS_TOKEN);
        assertThat(res.statusCode()).isEqualTo(200);
        String text = res.body();
        ScrapeText scrape = ScrapeText.parse(text);

        // then ours, Kafka Streams', the Kafka clients', Debezium's (community names) and the JVM's are there together
        assertThat(scrape.names()).contains("ssot_reconciler_violations_open", "ssot_reconciler_violations_oldest_age_seconds",
                "ssot_reconciler_time_to_detect_seconds_bucket", "ssot_reconciler_alerts_held",
                "ssot_provisioner_step_seconds_bucket", "ssot_provisioner_stuck_after_purchase", "ssot_failures_total",
                "ssot_dlq_records_total", "ssot_consumer_lag_records", "ssot_relay_connected", "ssot_relay_slot_lag_bytes",
                "debezium_metrics_MilliSecondsBehindSource", "debezium_metrics_Connected",
                "debezium_metrics_TotalNumberOfEventsSeen", "debezium_metrics_QueueRemainingCapacity",
                "jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes", "process_cpu_usage",
                "process_uptime_seconds", "process_files_open_files");
        assertThat(scrape.countWithPrefix("kafka_stream_")).as("Kafka Streams metrics").isPositive();
        assertThat(scrape.countWithPrefix("kafka_producer_")).as("producer metrics").isPositive();
        assertThat(scrape.countWithPrefix("kafka_consumer_")).as("consumer metrics").isPositive();
        assertThat(scrape.countWithPrefix("kafka_admin_client_")).as("admin client metrics").isPositive();
        assertThat(text).contains("debezium_metrics_Connected{context=\"streaming\",name=\"ssot\",plugin=\"postgres\"} 1.0")
                .containsPattern("ssot_relay_connected\\{slot=\"slot_prometheus_[0-9a-f]{8}\"} 1.0");
        // each consumer group of the pipeline has its lag
        Set<String> groups = scrape.samples().stream().filter(s -> s.name().equals("ssot_consumer_lag_records"))
                .map(s -> s.labels().get("group")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(groups).hasSize(3).allSatisfy(g -> assertThat(g).matches("(provisioner|projector|reconciler)-prometheus_.*"));

        // and no label makes a series per organisation or per number: no such label name, no org id or E.164 in a value
        assertThat(scrape.labelNames()).doesNotContainAnyElementsOf(FORBIDDEN_LABELS);
        Set<String> orgIds = orgIds();
        List<String> leaking = new ArrayList<>();
        for (ScrapeText.Sample s : scrape.samples()) {
            for (String value : s.labels().values()) {
                if (value.matches(".*\\+\\d{8,15}.*") || orgIds.stream().anyMatch(value::contains)
                        || value.contains(provisioned.getPhoneNumber().substring(1))) {
                    leaking.add(s.name() + s.labels());
                }
            }
        }
        assertThat(leaking).as("series labelled with an org or a number").isEmpty();
        log.info("MEASURED /metrics of the whole pipeline in one process: {} series ({} kafka_*, {} ssot_*, {} debezium_*,"
                        + " {} jvm_*/process_*/system_*), {} label names: {}", scrape.samples().size(),
                scrape.countWithPrefix("kafka_"), scrape.countWithPrefix("ssot_"), scrape.countWithPrefix("debezium_"),
                scrape.countWithPrefix("jvm_") + scrape.countWithPrefix("process_") + scrape.countWithPrefix("system_"),
                scrape.labelNames().size(), scrape.labelNames());

        // and every metric the shipped rules and dashboard query is one the pipeline exports
        assertThat(scrape.names()).containsAll(metricsQueriedBy(ShippedOperationsFiles.read(ShippedOperationsFiles.RULES)));
        assertThat(scrape.names()).containsAll(metricsQueriedBy(ShippedOperationsFiles.read(ShippedOperationsFiles.DASHBOARD)));
    }

    @Test
    @Order(2)
    void shouldFireTheViolationAlertInPrometheusWhenAnSsotRowIsLostAndClearItOnceRepaired() throws Exception {
        if (provisioned == null) {
            provisioned = provision();
        }
        String org = provisioned.getOrgId();
        String phone = provisioned.getPhoneNumber();
        // given Prometheus scraping the pipeline, every rule loaded and healthy, and no violation alert
        await("target up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(prometheus.targets()).singleElement().asString().contains(" up "));
        await("rules evaluated").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(prometheus.ruleHealth()).hasSize(PrometheusRulesTest.alertNames().size())
                        .allSatisfy(r -> assertThat(r).endsWith(" ok")));
        assertThat(firing(VIOLATION_ALERT)).isEmpty();
        long t0 = System.nanoTime();

        // when the number's SSOT row is lost
        execute("DELETE FROM org_credentials WHERE org_id = ?::uuid AND phone_number = ?", org, phone);

        // then Prometheus itself shows the violation alert firing, with the kind, after the 2 s grace
        await("violation alert firing").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(firing(VIOLATION_ALERT)).singleElement()
                        .satisfies(a -> assertThat(a.labels()).containsEntry("kind", "MISSING_SSOT_ROW")
                                .containsEntry("severity", "page")));
        long firedMs = (System.nanoTime() - t0) / 1_000_000;

        // when an operator repairs it, as the runbook says (the replay the other tests use)
        ServiceContext context = stack.pipeline.context();
        BackfillSummary summary = Backfill.fromContext(context, stack.pipeline.dataSource())
                .run(StartFrom.beginning(), false, BackfillListener.NONE);
        assertThat(summary.inserted()).isEqualTo(1);
        long t1 = System.nanoTime();

        // then the alert is no longer firing (nor pending)
        await("violation alert cleared").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(prometheus.alerts()).noneMatch(a -> a.name().equals(VIOLATION_ALERT)));
        log.info("MEASURED real Prometheus (scrape and evaluation every 1 s, grace 2 s): SSOT row deleted -> {} firing in {} ms;"
                + " backfill done -> alert gone in {} ms", VIOLATION_ALERT, firedMs, (System.nanoTime() - t1) / 1_000_000);
    }

    private List<PrometheusProcess.Alert> firing(String alert) throws Exception {
        return prometheus.alerts().stream().filter(a -> a.name().equals(alert) && a.state().equals("firing")).toList();
    }

    /** Provisions a number for the demo organisation and waits until its SSOT row exists. */
    private ProvisioningResult provision() throws Exception {
        ServiceContext context = stack.pipeline.context();
        ProvisioningResult result = ProvisionCommand.publishAndAwait(context.kafka(), context.config().topics(),
                ProvisionCommand.request(UUID.randomUUID().toString(), DemoSeed.VOXANNE_ID.toString(), "US", "415", null),
                Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no provisioning result within 60 s"));
        assertThat(result.getStatus()).as(ProvisionCommand.render(result)).isEqualTo(ProvisioningStatus.SUCCEEDED);
        await("SSOT row").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                count("SELECT count(*) FROM org_credentials WHERE org_id = ?::uuid AND phone_number = ? AND is_managed",
                        result.getOrgId(), result.getPhoneNumber()) == 1);
        return result;
    }

    /**
     * The metric names a rules or dashboard file queries: identifiers before a {@code {} or {@code [} or inside an
     * aggregation, of our families (ssot, debezium, kafka, jvm, process, system).
     */
    static Set<String> metricsQueriedBy(String file) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:ssot|debezium_metrics|kafka|jvm|process|system)_[A-Za-z0-9_]+)\\b").matcher(file);
        while (m.find()) {
            String name = m.group(1);
            if (!name.startsWith("ssot_service")) { // the example config's target label, not a metric
                names.add(name);
            }
        }
        return names;
    }

    private Set<String> orgIds() throws Exception {
        Set<String> ids = new TreeSet<>();
        try (Connection c = stack.db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id::text FROM organizations"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            c.rollback();
        }
        return ids;
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private void execute(String sql, Object... params) throws Exception {
        try (Connection c = stack.db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            assertThat(ps.executeUpdate()).as(sql).isEqualTo(1);
            c.commit();
        }
    }

    private long count(String sql, Object... params) throws Exception {
        try (Connection c = stack.db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long n = rs.getLong(1);
                c.rollback();
                return n;
            }
        }
    }
}

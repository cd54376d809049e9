package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped operations files, checked by the real tools: Prometheus's {@code promtool} (Debian's prometheus package;
 * .ci/run installs it) checks the alert rules and runs their unit tests, and checks the example configuration; the
 * Grafana dashboard is valid JSON with a panel for each thing operators watch.
 */
class PrometheusRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SEVERITIES = Set.of("page", "warning");

    @TempDir
    Path dir;

    @Test
    void shouldPassPromtoolsRuleCheck() throws Exception {
        ToolRun r = promtool("check", "rules", ShippedOperationsFiles.RULES.toString());

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: 10 rules found");
    }

    @Test
    void shouldPassTheRulesUnitTestsWithEveryAlertFiringOnABrokenSeriesAndQuietOnAHealthyOne() throws Exception {
        ToolRun r = promtool("test", "rules", ShippedOperationsFiles.RULE_TESTS.toString());

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
        // every alert is tested both ways: firing (exp_alerts with entries) and quiet (exp_alerts: [])
        String tests = ShippedOperationsFiles.read(ShippedOperationsFiles.RULE_TESTS);
        for (String alert : alertNames()) {
            assertThat(tests).as("a quiet case of %s", alert)
                    .containsPattern("alertname: " + alert + "\\n\\s+exp_alerts: \\[]");
            assertThat(tests).as("a firing case of %s", alert)
                    .containsPattern("alertname: " + alert + "\\n\\s+exp_alerts:\\n\\s+- exp_labels:");
        }
    }

    @Test
    void shouldGiveEveryAlertASeveritySummaryAndRunbook() throws Exception {
        String rules = ShippedOperationsFiles.read(ShippedOperationsFiles.RULES);
        List<String> alerts = alertNames();

        assertThat(alerts).contains("SsotViolationOpen", "SsotViolationUnresolved", "SsotDeadLettersGrowing", "SsotSagasStuck",
                "SsotRelaySlotLagHigh", "SsotRelayNotConnected", "SsotReconcilerHoldingAlerts", "SsotProvisioningFailures");
        for (String block : rules.split("\\n\\s+- alert: ")) {
            if (!block.startsWith("Ssot")) {
                continue;
            }
            Matcher severity = Pattern.compile("severity: (\\S+)").matcher(block);
            assertThat(severity.find()).as(block).isTrue();
            assertThat(SEVERITIES).as(block).contains(severity.group(1));
            assertThat(block).as(block).containsPattern("summary: \"[^\"]+\"").containsPattern("runbook: \"[^\"]{40,}\"");
        }
    }

    @Test
    void shouldRewriteOnlyTheForDurationsForTests() throws Exception {
        String shipped = ShippedOperationsFiles.read(ShippedOperationsFiles.RULES);

        String rewritten = ShippedOperationsFiles.rulesWithForDurations("0s");

        assertThat(rewritten).doesNotContainPattern("for: (?!0s)").contains("for: 0s");
        assertThat(rewritten.lines().filter(l -> !l.trim().startsWith("for:")).toList())
                .isEqualTo(shipped.lines().filter(l -> !l.trim().startsWith("for:")).toList());
        Path file = Files.writeString(dir.resolve("ssot-alerts.yml"), rewritten);
        ToolRun r = promtool("check", "rules", file.toString());
        assertThat(r.exit()).as(r.output()).isZero();
    }

    @Test
    void shouldPassPromtoolsConfigCheckWithTheTokenFileInPlace() throws Exception {
        // the example reads the bearer token from /etc/prometheus/ssot-metrics-token: point it at a real file here
        Path token = Files.writeString(dir.resolve("ssot-metrics-token"), "fake-test-token");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("r--------"));
        String config = ShippedOperationsFiles.read(ShippedOperationsFiles.CONFIG);
        assertThat(config).contains("credentials_file: /etc/prometheus/ssot-metrics-token").doesNotContain("fake-test-token");
        Files.writeString(dir.resolve("prometheus.yml"), config.replace("/etc/prometheus/ssot-metrics-token", token.toString()));
        Files.copy(ShippedOperationsFiles.RULES, dir.resolve("ssot-alerts.yml"));

        ToolRun r = promtool("check", "config", dir.resolve("prometheus.yml").toString());

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: 1 rule files found").contains("SUCCESS: 10 rules found");
    }

    @Test
    void shouldShipAGrafanaDashboardWithAPanelForEachThingOperatorsWatch() throws Exception {
        JsonNode dashboard = JSON.readTree(Files.readString(ShippedOperationsFiles.DASHBOARD, StandardCharsets.UTF_8));

        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        List<String> titles = panels.stream().map(p -> p.path("title").asText()).toList();
        assertThat(String.join("|", titles).toLowerCase())
                .contains("violation", "time to detect", "saga step", "failure", "dead letter", "lag", "relay", "debezium",
                        "jvm", "streams");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            assertThat(ids.add(panel.path("id").asInt())).as("unique panel id %s", panel.path("id")).isTrue();
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            assertThat(panel.path("targets").size()).as("queries of %s", panel.path("title")).isPositive();
            panel.path("targets").forEach(t -> assertThat(t.path("expr").asText()).as(panel.path("title").asText()).isNotBlank());
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        }
    }

    /** The alert names in the shipped rules, in order. */
    static List<String> alertNames() throws Exception {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s+- alert: (\\S+)$").matcher(ShippedOperationsFiles.read(ShippedOperationsFiles.RULES));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static ToolRun promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("promtool");
        command.addAll(List.of(args));
        return ToolRun.of(new ProcessBuilder(command).directory(ShippedOperationsFiles.PROMETHEUS_DIR.toFile()), "prometheus");
    }
}

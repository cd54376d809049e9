package com.voxanne.ssot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operations files the repository ships ({@code deploy/prometheus}, {@code deploy/grafana}), and the one change a
 * test may make to the alert rules: {@link #rulesWithForDurations}.
 */
final class ShippedOperationsFiles {
    static final Path PROMETHEUS_DIR = Path.of("..", "deploy", "prometheus").toAbsolutePath().normalize();
    static final Path RULES = PROMETHEUS_DIR.resolve("ssot-alerts.yml");
    static final Path RULE_TESTS = PROMETHEUS_DIR.resolve("ssot-alerts.test.yml");
    static final Path CONFIG = PROMETHEUS_DIR.resolve("prometheus.yml");
    static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "ssot-dashboard.json").toAbsolutePath().normalize();

    /** A rule's {@code for:} line (the file keeps each on its own line, as its header says). */
    private static final Pattern FOR_LINE = Pattern.compile("(?m)^(\\s+)for: \\S+$");

    private ShippedOperationsFiles() {
    }

    static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /**
     * The shipped rules with every {@code for:} set to {@code duration} and nothing else changed (expressions, thresholds,
     * labels and annotations exactly as shipped): the documented way a test makes an alert fire at the first evaluation
     * that sees its condition instead of minutes later.
     */
    static String rulesWithForDurations(String duration) throws IOException {
        String shipped = read(RULES);
        Matcher m = FOR_LINE.matcher(shipped);
        if (!m.find()) {
            throw new IllegalStateException(RULES + " has no `for:` line to rewrite");
        }
        String rewritten = m.replaceAll("$1for: " + duration);
        if (!stripForLines(rewritten).equals(stripForLines(shipped))) {
            throw new IllegalStateException("rewriting the for: durations changed more than them");
        }
        return rewritten;
    }

    private static String stripForLines(String rules) {
        return FOR_LINE.matcher(rules).replaceAll("");
    }
}

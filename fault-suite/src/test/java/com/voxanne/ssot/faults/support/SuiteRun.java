package com.voxanne.ssot.faults.support;

import com.voxanne.ssot.faults.FaultCampaign;
import com.voxanne.ssot.faults.schedule.ScenarioSettings;
import com.voxanne.ssot.faults.system.PipelineEnvironment;
import com.voxanne.ssot.faults.system.ProjectorFactory;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the fault campaign on the test kit's broker and PostgreSQL (a fresh database and fresh topic names), with the
 * log sniffer reset, and writes its table to {@code target/fault-suite/<name>.md}.
 */
public final class SuiteRun {
    private static final Logger log = LoggerFactory.getLogger(SuiteRun.class);

    private SuiteRun() {
    }

    /** {@code -Dfaults.seed=N} if given, a random seed otherwise. */
    public static long seed() {
        String property = System.getProperty("faults.seed");
        if (property == null || property.isBlank()) {
            return new SecureRandom().nextLong();
        }
        try {
            return Long.parseLong(property.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("faults.seed must be a whole number, was '" + property + "'", e);
        }
    }

    /** {@code -Dfaults.setting=short|long} (default short). */
    public static ScenarioSettings setting() {
        return ScenarioSettings.named(System.getProperty("faults.setting", "short"));
    }

    public static FaultCampaign.Outcome run(String name, ScenarioSettings settings, long seed, ProjectorFactory projectors, Path dataDir)
            throws Exception {
        TestStack stack = TestStack.get();
        String suffix = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") + Long.toHexString(seed & 0xffffL);
        try (TestDatabase db = stack.newDatabase("faults_" + name)) {
            PipelineEnvironment environment = new PipelineEnvironment(stack.bootstrapServers(), db.jdbcUrl(), db.user(), dataDir,
                    new TestStackFaults(stack), suffix.length() > 20 ? suffix.substring(0, 20) : suffix);
            SecretSniffingAppender logs = SecretSniffingAppender.instance();
            logs.reset();
            FaultCampaign.Outcome outcome = FaultCampaign.run(environment, settings, seed, projectors, logs,
                    line -> log.warn("[fault-suite {}] {}", name, line));
            write(name, outcome.table());
            return outcome;
        }
    }

    private static void write(String name, String table) throws IOException {
        Path dir = Path.of("target", "fault-suite");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".md"), table, StandardCharsets.UTF_8);
    }
}

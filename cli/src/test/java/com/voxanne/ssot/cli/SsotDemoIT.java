package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ssot demo} as a newcomer runs it: the packaged jar, an empty {@code java.io.tmpdir} (the PostgreSQL
 * binaries are unpacked in this run), tells the whole story and exits 0 (its time, target 3 minutes, is printed).
 */
class SsotDemoIT {
    @TempDir
    Path workDir;

    @Test
    void shouldTellTheStoryEndToEndAndExitZero() throws Exception {
        PackagedSsot ssot = new PackagedSsot(workDir, Map.of());
        long started = System.nanoTime();
        // generous on shared cores; its duration is printed, not asserted
        PackagedSsot.Result demo = ssot.run(Duration.ofMinutes(5), "demo");
        System.out.printf("ssot demo took %.1f s%n", (System.nanoTime() - started) / 1e9);

        assertThat(demo.exitCode()).as(demo.output()).isZero();
        assertThat(demo.output()).contains("Step 1/6", "Step 3/6", "Step 4/6", "OPEN", "Step 5/6", "RESOLVED", "every step held")
                .doesNotContain("DEMO FAILED");
        assertThat(Files.isDirectory(workDir.resolve("tmp").resolve("embedded-pg")))
                .as("PostgreSQL binaries unpacked into this run's own java.io.tmpdir").isTrue();
        assertThat(ssot.processesLeft()).as("processes left behind by the demo").isEmpty();
    }
}

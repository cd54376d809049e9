package com.voxanne.ssot.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.benchmarks.BenchOptions;
import com.voxanne.ssot.benchmarks.BenchReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownReportTest {

    @Test
    void shouldSayPlainlyWhichTargetIsMissedAndWhatWouldCloseIt() {
        // given one figure that meets its target on the median and one that misses it
        Section section = new Section("4", "Relay", "what it measures", 3)
                .figure("p50", "latency p50", Format.MS, Target.atMost(25, Format.MS), "lower the poll interval")
                .figure("rate", "rows/s", "rows/s", Target.atLeast(25_000, "rows/s"), "larger batches");
        double[] p50 = {20, 30, 22};
        double[] rate = {19_000, 21_000, 20_000};
        for (int run = 0; run < 3; run++) {
            section.put("p50", run, p50[run]);
            section.put("rate", run, rate[run]);
        }
        section.profile("run 1: most of it in the engine");

        // when
        String md = MarkdownReport.render(report(section));

        // then
        assertThat(md).contains("## 4. Relay")
                .contains("| latency p50 | **22.0 ms** | 20.0 ms - 30.0 ms | 20.0 ms, 30.0 ms, 22.0 ms | <= 25.0 ms | met |")
                .contains("**Missed: rows/s** (median 20,000 rows/s, target >= 25,000 rows/s). larger batches")
                .doesNotContain("lower the poll interval")
                .contains("run 1: most of it in the engine");
    }

    @Test
    void shouldReportAFailedStageInsteadOfNumbers() {
        // given a stage that could not run
        Section section = new Section("5", "Footprint", "what", 1).figure("up", "to healthy", Format.SECONDS,
                Target.atMost(10, Format.SECONDS), "faster");
        section.failed("run 1: ssot up printed no STATUS_URL");

        // when
        String md = MarkdownReport.render(report(section));

        // then
        assertThat(md).contains("**FAILED:** run 1: ssot up printed no STATUS_URL").contains("| not measured |");
    }

    private static BenchReport report(Section section) {
        Machine machine = new Machine(2, 24_000, "cpu", "Linux", "OpenJDK 17", List.of("-Xmx3g"), "G1", 3072, "1.0 1.0 1.0");
        return new BenchReport(Instant.parse("2026-02-11T10:00:00Z"), Duration.ofMinutes(20), new BenchOptions(false, Path.of("."), 3),
                machine, List.of("a setting"), List.of(section), Path.of("BENCHMARKS.md"), Path.of("benchmarks.json"));
    }
}

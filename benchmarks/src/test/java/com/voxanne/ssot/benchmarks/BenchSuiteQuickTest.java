package com.voxanne.ssot.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ssot bench --quick} end to end, as the CLI calls it: the suite starts its own embedded Kafka and
 * PostgreSQL, runs every stage at tiny sizes and writes both reports. Asserts that the harness works (every
 * heading and figure is there, every stage ran, nothing is left running), never a timing.
 */
class BenchSuiteQuickTest {
    private static final List<String> HEADINGS = List.of("## Machine", "## Settings", "## Summary of targets",
            "## 1. Backfill replay", "## 2. Provisioning", "## 3. Reconciler", "## 4. Relay (outbox to Kafka)",
            "## 5. Footprint of ./ssot up", "## 6. Three-broker cluster, one and two instances",
            "## 7. Scale: ten million numbers");
    private static final List<String> FIGURES = List.of("replay / independent ceiling (same run)", "replay / naive (same run)",
            "overhead at 20 req/s, p99", "sustained provisions/s (zero-latency providers)", "sustained provisions/s with 0.3 s per provider call",
            "detection beyond the grace, p99", "reconciler / bare join (same run)", "outbox commit -> record on topic, p50",
            "rows/s drained from the slot", "first start to healthy", "total RSS of all its processes",
            "reconciler, two instances (one application)", "two instances / one (same run)",
            "two provisioners / one (same run)", "two projectors / one (same run)", "import start -> reconciler caught up",
            "violations raised for compliant rows", "./ssot check's queries for one org, p99", "./ssot audit's anti-join over everything",
            "backfill RSS larger / smaller", "reconciler RSS with K keys (caught up)", "bulk import of the other N - K, relay stopped");
    private static final Set<String> MEASURED_IN_QUICK = Set.of("1", "2", "3", "4", "6", "7");

    @TempDir
    Path output;

    @Test
    void shouldWriteBothReportsWithEveryFigureWhenRunQuick() throws Exception {
        // given
        Set<Long> stackProcessesBefore = benchProcesses();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        // when
        BenchReport report = BenchSuite.run(BenchOptions.quick(output), new PrintStream(new TeeOutputStream(progress, System.out),
                true, StandardCharsets.UTF_8));

        // then
        assertThat(report.failures()).as("stages that failed; progress:%n%s", progress.toString(StandardCharsets.UTF_8)).isEmpty();
        String markdown = Files.readString(output.resolve(BenchSuite.MARKDOWN));
        assertThat(markdown).contains(HEADINGS).contains(FIGURES).contains("--quick");
        JsonNode json = new ObjectMapper().readTree(output.resolve(BenchSuite.JSON).toFile());
        assertThat(json.path("quick").asBoolean()).isTrue();
        assertThat(json.path("machine").path("cores").asInt()).isPositive();
        List<String> numbers = new ArrayList<>();
        for (JsonNode section : json.path("sections")) {
            numbers.add(section.path("number").asText());
            assertThat(section.path("figures")).as("figures of section %s", section.path("number")).isNotEmpty();
            if (MEASURED_IN_QUICK.contains(section.path("number").asText())) {
                for (JsonNode figure : section.path("figures")) {
                    assertThat(figure.path("median").isNumber()).as("%s measured", figure.path("label").asText()).isTrue();
                }
            }
        }
        assertThat(numbers).containsExactly("1", "2", "3", "4", "5", "6", "7");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(benchProcesses()).as("PostgreSQL and the cluster's broker JVMs of the bench stacks stopped").isSubsetOf(stackProcessesBefore));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(liveThreads()).as("threads of the services under test").noneMatch(name -> name.startsWith("provisioner-")
                        || name.startsWith("bench-watch-") || name.contains("StreamThread") || name.startsWith("sim-twilio")
                        || name.startsWith("sim-vapi")));
    }

    /** Processes (PostgreSQL, the cluster's broker JVMs) running on a bench stack's temporary directory. */
    private static Set<Long> benchProcesses() {
        return ProcessHandle.allProcesses().filter(p -> commandLine(p).contains("/ssot-bench-")).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    private static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Progress to the test's output (for a person reading the log) and to a buffer (for the assertion message). */
    private static final class TeeOutputStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeOutputStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }

    private static List<String> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }
}

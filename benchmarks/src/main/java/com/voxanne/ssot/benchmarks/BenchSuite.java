package com.voxanne.ssot.benchmarks;

import com.voxanne.ssot.benchmarks.BenchOptions.Stage;
import com.voxanne.ssot.benchmarks.backfill.BackfillBench;
import com.voxanne.ssot.benchmarks.cluster.ClusterBench;
import com.voxanne.ssot.benchmarks.footprint.FootprintBench;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.provisioning.BenchPipeline;
import com.voxanne.ssot.benchmarks.provisioning.ProvisioningBench;
import com.voxanne.ssot.benchmarks.reconciler.DetectionBench;
import com.voxanne.ssot.benchmarks.reconciler.ReconcilerSection;
import com.voxanne.ssot.benchmarks.reconciler.ReconcilerThroughputBench;
import com.voxanne.ssot.benchmarks.relay.RelayBench;
import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Figure;
import com.voxanne.ssot.benchmarks.report.JsonReport;
import com.voxanne.ssot.benchmarks.report.Machine;
import com.voxanne.ssot.benchmarks.report.MarkdownReport;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.benchmarks.scale.BackfillMemoryBench;
import com.voxanne.ssot.benchmarks.scale.ScaleBench;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./ssot bench}: measures every stage of the pipeline against the ceiling of this machine and writes
 * BENCHMARKS.md and benchmarks.json. It launches {@code ssot.jar up} for the footprint first, then starts its own
 * embedded stack (a real Kafka broker and PostgreSQL in a temporary directory) and measures, each on its own
 * database and topics: the backfill replay (1), provisioning through the assembled pipeline (2), the reconciler (3)
 * and the relay (4). Every figure is measured {@code runs} times; every ratio is computed within one run.
 *
 * <p>A stage that fails is recorded in its section (FAILED, with the reason) and the others still run, so the report
 * always comes out; {@link BenchReport#failures()} lists them. Missed targets are reported, not thrown.
 */
public final class BenchSuite {
    public static final String MARKDOWN = "BENCHMARKS.md";
    public static final String JSON = "benchmarks.json";

    private BenchSuite() {
    }

    /**
     * The logger, looked up on first use: {@link #main} must choose the logging configuration before anything logs
     * (a static logger field would initialise logging before main runs).
     */
    private static Logger log() {
        return LoggerFactory.getLogger(BenchSuite.class);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /**
     * Runs the suite and writes {@code <outputDir>/BENCHMARKS.md} and {@code <outputDir>/benchmarks.json}.
     *
     * @param progress one line per stage and run, for a person watching
     * @throws IOException          the report could not be written
     * @throws InterruptedException interrupted: everything started is stopped, no report is written
     */
    public static BenchReport run(BenchOptions options, PrintStream progress) throws IOException, InterruptedException {
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        BenchSizes sizes = options.quick() ? BenchSizes.quick() : BenchSizes.full();
        int runs = options.runs();
        Machine machine = Machine.probe();
        Files.createDirectories(options.outputDir());
        Path work = Files.createTempDirectory("ssot-bench-");
        Section backfill = BackfillBench.section(runs);
        Section provisioning = ProvisioningBench.section(runs, sizes);
        Section reconciler = ReconcilerSection.section(runs);
        Section relay = RelayBench.section(runs);
        Section footprint = FootprintBench.section(runs);
        Section cluster = ClusterBench.section(runs);
        Section scale = ScaleBench.section();
        List<String> settings = new ArrayList<>();
        settings.add((options.quick() ? "--quick: tiny sizes" : "full sizes") + ", " + runs + (runs == 1 ? " run" : " runs")
                + " per figure");
        progress.printf(Locale.ROOT, "ssot bench%s: %d run(s) per figure; machine: %d cores, %,d MB, %s%n",
                options.quick() ? " --quick" : "", runs, machine.cores(), machine.memoryMb(), machine.jvm());
        if (!options.allStages()) {
            settings.add("only the stages " + options.stages().stream().map(st -> st.name().toLowerCase(Locale.ROOT)).sorted()
                    .toList() + " were measured in this run (--only)");
        }
        try {
            if (options.measures(Stage.FOOTPRINT)) {
                measureFootprint(sizes, runs, work, footprint, progress);
            } else {
                notMeasured(footprint);
            }
            List<Section> onStack = new ArrayList<>();
            for (Stage st : List.of(Stage.BACKFILL, Stage.PROVISIONING, Stage.RECONCILER, Stage.RELAY, Stage.SCALE)) {
                Section section = switch (st) {
                    case BACKFILL -> backfill;
                    case PROVISIONING -> provisioning;
                    case RECONCILER -> reconciler;
                    case SCALE -> scale;
                    default -> relay;
                };
                if (options.measures(st)) {
                    onStack.add(section);
                } else {
                    notMeasured(section);
                }
            }
            if (!onStack.isEmpty()) {
                stage(progress, "Starting the bench's embedded Kafka broker and PostgreSQL ...");
                Optional<BenchStack> started = startStack(work, onStack);
                if (started.isPresent()) {
                    try (BenchStack stack = started.get()) {
                        if (options.measures(Stage.BACKFILL)) {
                            measureBackfill(stack, sizes, runs, backfill, settings, progress);
                        }
                        if (options.measures(Stage.RELAY)) {
                            measureRelay(stack, sizes, runs, work, relay, !options.quick(), progress);
                        }
                        if (options.measures(Stage.RECONCILER)) {
                            measureReconcilerThroughput(stack, sizes, runs, work, reconciler, progress);
                        }
                        if (options.measures(Stage.PROVISIONING)) {
                            measurePipeline(stack, sizes, runs, work, provisioning, reconciler, !options.quick(), progress);
                        }
                        if (options.measures(Stage.SCALE)) {
                            measureScale(stack, sizes, work, scale, progress);
                        }
                    }
                }
            }
            if (options.measures(Stage.CLUSTER)) {
                measureCluster(sizes, runs, work, cluster, !options.quick(), progress);
            } else {
                notMeasured(cluster);
            }
        } finally {
            deleteQuietly(work);
        }
        settings.add("every stage runs alone on the machine (one after the other); the broker, the services and the load"
                + " generators share the bench JVM, PostgreSQL is its own process");
        synchronized (LOADS) {
            settings.add("load average (1/5/15 min) of this shared machine at the start of each stage: " + String.join("; ", LOADS)
                    + "; at the end: " + Machine.currentLoadAverage());
            LOADS.clear();
        }
        List<Section> sections = List.of(backfill, provisioning, reconciler, relay, footprint, cluster, scale);
        Path markdown = options.outputDir().resolve(MARKDOWN);
        Path json = options.outputDir().resolve(JSON);
        BenchReport report = new BenchReport(startedAt, Duration.ofNanos(System.nanoTime() - t0), options, machine, settings,
                sections, markdown, json);
        Files.writeString(markdown, MarkdownReport.render(report), StandardCharsets.UTF_8);
        Files.writeString(json, JsonReport.render(report), StandardCharsets.UTF_8);
        progress.printf(Locale.ROOT, "Wrote %s and %s (%.1f min)%n", markdown, json, report.took().toMillis() / 60000.0);
        return report;
    }

    private static void notMeasured(Section section) {
        section.setting("NOT MEASURED in this run (--only selected other stages)");
    }

    /** The machine's load as a run starts, in the section's profile: the figures of a run under load say so. */
    private static void noteLoad(Section section, int run) {
        section.profile("run " + (run + 1) + " starts at load average " + Machine.currentLoadAverage() + " (1/5/15 min, 2 cores)");
    }

    /** The bench stack, or empty (with every section that needs it marked FAILED) when it cannot start. */
    private static Optional<BenchStack> startStack(Path work, List<Section> dependents) {
        try {
            return Optional.of(BenchStack.start(work.resolve("stack")));
        } catch (RuntimeException e) {
            log().error("The bench's embedded stack did not start", e);
            dependents.forEach(s -> s.failed("the bench's embedded Kafka/PostgreSQL did not start: " + e.getMessage()));
            return Optional.empty();
        }
    }

    private static void measureFootprint(BenchSizes sizes, int runs, Path work, Section section, PrintStream progress)
            throws InterruptedException {
        stage(progress, "5. Footprint of ./ssot up ...");
        if (!sizes.footprint()) {
            section.setting("NOT MEASURED in --quick: it launches a second full stack (tens of seconds)");
            return;
        }
        Optional<Path> jar = FootprintBench.locateJar();
        if (jar.isEmpty()) {
            section.setting("NOT MEASURED: cli/target/ssot.jar was not found from " + Path.of("").toAbsolutePath()
                    + " (build it with ./mvnw install, or point SSOT_BENCH_JAR at it)");
            progress.println("  cli/target/ssot.jar not found: footprint not measured");
            return;
        }
        FootprintBench bench = new FootprintBench(jar.get(), work, progress);
        bench.describe(section);
        for (int r = 0; r < runs; r++) {
            int run = r;
            noteLoad(section, run);
            if (!attempt(section, "run " + (run + 1), () -> bench.run(run, section))) {
                return;
            }
        }
    }

    private static void measureBackfill(BenchStack stack, BenchSizes sizes, int runs, Section section, List<String> settings,
                                        PrintStream progress) throws InterruptedException {
        stage(progress, "1. Backfill replay ...");
        BackfillBench bench = new BackfillBench(stack, sizes, progress);
        if (!attempt(section, "set-up", () -> {
            bench.setUp();
            bench.describe(section);
            bench.calibrate(section);
        })) {
            return;
        }
        attempt(section, "describing the stack", () -> settings.addAll(stack.describe(bench.database())));
        for (int r = 0; r < runs; r++) {
            int run = r;
            noteLoad(section, run);
            attempt(section, "run " + (run + 1), () -> bench.run(run, section));
        }
        bench.conclude(section);
    }

    private static void measureRelay(BenchStack stack, BenchSizes sizes, int runs, Path work, Section section, boolean warmUp,
                                     PrintStream progress) throws InterruptedException {
        stage(progress, "4. Relay ...");
        attempt(section, "relay bench", () -> {
            try (RelayBench bench = new RelayBench(stack, sizes, work.resolve("relay"), progress)) {
                bench.setUp(section);
                if (warmUp) {
                    bench.warmUp(section);
                }
                for (int r = 0; r < runs; r++) {
                    int run = r;
                    noteLoad(section, run);
                    attempt(section, "run " + (run + 1), () -> bench.run(run, section));
                }
            }
        });
    }

    private static void measureReconcilerThroughput(BenchStack stack, BenchSizes sizes, int runs, Path work, Section section,
                                                    PrintStream progress) throws InterruptedException {
        stage(progress, "3. Reconciler throughput ...");
        ReconcilerThroughputBench[] bench = new ReconcilerThroughputBench[1];
        if (!attempt(section, "throughput set-up", () -> {
            // the service needs database settings in its context; it never connects
            BenchDatabase unused = stack.newDatabase("bench_reconciler", 2);
            bench[0] = new ReconcilerThroughputBench(stack, sizes, work.resolve("streams"), unused.settings(), progress);
            bench[0].describe(section);
            bench[0].setUp();
        })) {
            return;
        }
        for (int r = 0; r < runs; r++) {
            int run = r;
            noteLoad(section, run);
            attempt(section, "throughput run " + (run + 1), () -> bench[0].run(run, section));
        }
    }

    /**
     * Figure 7, last on the single-broker stack (its tens of millions of rows and records are the largest data of the
     * suite): one run, the catch-up and SQL checks, then the backfill's memory.
     */
    private static void measureScale(BenchStack stack, BenchSizes sizes, Path work, Section section, PrintStream progress)
            throws InterruptedException {
        stage(progress, "7. Scale: " + String.format(Locale.ROOT, "%,d", sizes.scale().numbers()) + " numbers ...");
        noteLoad(section, 0);
        attempt(section, "import, catch-up and SQL checks", () -> {
            try (ScaleBench bench = new ScaleBench(stack, sizes, work.resolve("scale"), progress)) {
                bench.run(section);
            }
        });
        attempt(section, "backfill memory", () -> new BackfillMemoryBench(stack, sizes, work.resolve("scale-backfill"), progress)
                .run(section));
    }

    /** Figure 6 on its own stack: a three-broker cluster (started after the single-broker stack has stopped). */
    private static void measureCluster(BenchSizes sizes, int runs, Path work, Section section, boolean warmUp,
                                       PrintStream progress) throws InterruptedException {
        stage(progress, "6. Three-broker cluster, one and two instances ...");
        attempt(section, "cluster", () -> {
            try (BenchStack stack = BenchStack.start(work.resolve("cluster-stack"), ClusterBench.BROKERS)) {
                ClusterBench bench = new ClusterBench(stack, sizes.forCluster(), work.resolve("cluster"), warmUp, progress);
                bench.setUp(section);
                for (int r = 0; r < runs; r++) {
                    int run = r;
                    noteLoad(section, run);
                    attempt(section, "reconciler run " + (run + 1), () -> bench.runReconciler(run, section));
                    attempt(section, "backfill run " + (run + 1), () -> bench.runBackfill(run, section));
                }
                attempt(section, "provisioning", () -> bench.runProvisioning(runs, section));
            }
        });
    }

    private static void measurePipeline(BenchStack stack, BenchSizes sizes, int runs, Path work, Section provisioning,
                                        Section reconciler, boolean warmUp, PrintStream progress) throws InterruptedException {
        stage(progress, "2. Provisioning and 3. detection, on the assembled pipeline ...");
        attempt(provisioning, "pipeline under test", () -> {
            try (BenchPipeline pipeline = BenchPipeline.start(stack, sizes, work.resolve("pipeline"), progress);
                 ProvisioningBench bench = new ProvisioningBench(pipeline, sizes, progress)) {
                DetectionBench detection = new DetectionBench(pipeline, sizes, progress);
                bench.describe(provisioning);
                detection.describe(reconciler);
                if (warmUp) {
                    progress.println("  warming up (one untimed phase at the lower load)");
                    bench.warmUp();
                    provisioning.setting("one untimed warm-up phase at the lower load before the runs (class loading, JIT)");
                }
                for (int r = 0; r < runs; r++) {
                    int run = r;
                    noteLoad(provisioning, run);
                    attempt(provisioning, "run " + (run + 1), () -> bench.run(run, provisioning));
                    noteLoad(reconciler, run);
                    attempt(reconciler, "detection run " + (run + 1), () -> detection.run(run, reconciler));
                }
                bench.conclude(provisioning);
            }
        });
    }

    /**
     * Runs one step; a failure is recorded in the section (and logged once, with its cause) and the suite goes on.
     *
     * @return whether the step completed
     */
    private static boolean attempt(Section section, String what, Step step) throws InterruptedException {
        try {
            step.run();
            return true;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception | AssertionError e) {
            log().error("Bench section {} ({}) failed at {}", section.number(), section.title(), what, e);
            section.failed(what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return false;
        }
    }

    private static final long STARTED = System.nanoTime();
    private static final List<String> LOADS = new ArrayList<>();

    /**
     * A stage's header with the time since the class was loaded and the machine's load now (it is shared, so the
     * report lists the load at the start of every stage).
     */
    private static void stage(PrintStream progress, String header) {
        String load = Machine.currentLoadAverage();
        synchronized (LOADS) {
            LOADS.add(header.replace(" ...", "") + ": " + load);
        }
        progress.printf(Locale.ROOT, "[%6.1f s, load %s] %s%n", (System.nanoTime() - STARTED) / 1e9, load, header);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            log().warn("Could not delete the bench's working directory {}; delete it by hand", dir, e);
        }
    }

    /**
     * {@code [--quick] [--runs N] [--output DIR]}: runs the suite and writes the report into DIR (default: the working
     * directory). Exits 0 when every stage ran (missed targets are in the report), 1 when a stage failed, 2 on bad
     * arguments.
     */
    public static void main(String[] args) {
        boolean quick = false;
        Integer runs = null;
        Path output = Path.of("").toAbsolutePath();
        Set<Stage> stages = EnumSet.allOf(Stage.class);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--runs" -> runs = i + 1 < args.length ? parseRuns(args[++i]) : -1;
                case "--output" -> output = i + 1 < args.length ? Path.of(args[++i]).toAbsolutePath() : output;
                case "--only" -> stages = i + 1 < args.length ? parseStages(args[++i]) : EnumSet.noneOf(Stage.class);
                default -> runs = -1;
            }
            if ((runs != null && runs < 1) || stages.isEmpty()) {
                System.err.println("usage: BenchSuite [--quick] [--runs N (1-20)] [--output DIR] [--only STAGE,...]"
                        + " (stages: backfill, provisioning, reconciler, relay, footprint, cluster, scale)");
                System.exit(2);
            }
        }
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "ssot-bench-logback.xml");
        }
        if (System.getProperty("ssot.bench.log") == null) {
            System.setProperty("ssot.bench.log", Path.of(System.getProperty("java.io.tmpdir"), "ssot-bench.log").toString());
        }
        System.out.println("Logs: " + System.getProperty("ssot.bench.log"));
        BenchOptions options = new BenchOptions(quick, output, runs != null ? runs : (quick ? 1 : 3), stages);
        int exit;
        try {
            BenchReport report = run(options, System.out);
            for (Figure f : report.missedTargets()) {
                System.out.println("MISSED: " + f.label() + ": " + Format.value(f.median(), f.unit()) + " (target "
                        + f.target().orElseThrow().describe() + ")");
            }
            report.failures().forEach(f -> System.out.println("FAILED: " + f));
            exit = report.failures().isEmpty() ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            log().error("The bench could not complete", e);
            System.err.println("The bench could not complete: " + e);
            exit = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = 1;
        }
        System.exit(exit);
    }

    private static int parseRuns(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@code reconciler,provisioning} -> those stages; empty when a name is unknown. */
    static Set<Stage> parseStages(String text) {
        try {
            Set<Stage> stages = EnumSet.noneOf(Stage.class);
            for (String name : text.split(",")) {
                stages.add(Stage.parse(name));
            }
            return stages;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return EnumSet.noneOf(Stage.class);
        }
    }
}

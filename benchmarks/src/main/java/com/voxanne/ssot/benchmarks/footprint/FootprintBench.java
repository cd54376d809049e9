package com.voxanne.ssot.benchmarks.footprint;

import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.benchmarks.report.Target;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figure 5: {@code ./ssot up} as a user runs it: {@code java -jar cli/target/ssot.jar up} as a child process with a
 * fresh temporary SSOT_DATA_DIR and SSOT_HTTP_PORT=0, timed from launch to the STATUS_URL line it prints once
 * healthy, then the memory of all its processes (the JVM, which holds the Kafka broker, and PostgreSQL with its
 * workers), then SIGTERM and a wait for every process to exit. A second start on the same data directory times a
 * restart. Runs before the bench starts its own stack, so nothing else of the bench competes for the CPU.
 */
public final class FootprintBench {
    public static final String NUMBER = "5";
    /** What ./ssot passes to the JVM when SSOT_JAVA_OPTS is not set (see the ssot script). */
    static final String DEFAULT_JAVA_OPTS = "-Xms64m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    private static final long START_TIMEOUT_SECONDS = 180;
    private static final long STOP_TIMEOUT_SECONDS = 90;
    private static final int MEMORY_SAMPLES = 5;
    private static final Pattern HEALTHY_IN = Pattern.compile("^Healthy in ([0-9.]+) s");

    private final Path jar;
    private final Path work;
    private final PrintStream progress;
    private final String javaOpts;

    public FootprintBench(Path jar, Path work, PrintStream progress) {
        this.jar = jar;
        this.work = work;
        this.progress = progress;
        String fromEnv = System.getenv("SSOT_JAVA_OPTS");
        this.javaOpts = fromEnv == null || fromEnv.isBlank() ? DEFAULT_JAVA_OPTS : fromEnv.trim();
    }

    public static Section section(int runs) {
        return new Section(NUMBER, "Footprint of ./ssot up",
                "`java -jar cli/target/ssot.jar up` is launched as a child process (the JVM options of ./ssot) with a fresh temporary"
                        + " SSOT_DATA_DIR and SSOT_HTTP_PORT=0: time from launch to the STATUS_URL line it prints once every component"
                        + " is healthy (first start: the embedded PostgreSQL is initialised and Kafka formatted), and the memory of all"
                        + " its processes (the JVM with the Kafka broker inside, PostgreSQL and its workers) sampled over the first"
                        + " seconds after healthy. RSS counts pages shared between PostgreSQL processes once per process; PSS divides"
                        + " them among the processes that share them. Then SIGTERM, and a second start on the same directory (restart).",
                runs)
                .figure("upSeconds", "first start to healthy", Format.SECONDS, Target.atMost(10, Format.SECONDS),
                        "The time is spent, in order: JVM start and class loading (C1 only), PostgreSQL initdb and start, Kafka"
                                + " storage format and broker start (in parallel with PostgreSQL), migrations, topic creation, the relay's"
                                + " first snapshot and replication start, the Streams application reaching RUNNING and the provisioner's"
                                + " consumer group join. Class data sharing (an AppCDS archive built at install), starting the services"
                                + " in parallel once the stack is up, and a shorter group-join / Streams rebalance delay would close it.")
                .figure("restartSeconds", "restart on existing data to healthy", Format.SECONDS)
                .figure("rssMb", "total RSS of all its processes", Format.MB, Target.atMost(1200, Format.MB),
                        "Most of it is the JVM (heap up to -Xmx768m plus metaspace, thread stacks and RocksDB); a smaller -Xmx,"
                                + " -XX:MaxMetaspaceSize, fewer client threads and RocksDB block cache limits would bring it down.")
                .figure("pssMb", "total PSS of all its processes", Format.MB)
                .figure("processes", "processes", "");
    }

    /** cli/target/ssot.jar of this checkout, searched from the working directory upwards (or SSOT_BENCH_JAR). */
    public static Optional<Path> locateJar() {
        String explicit = System.getenv("SSOT_BENCH_JAR");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            return Files.isRegularFile(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("cli").resolve("target").resolve("ssot.jar");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
            dir = dir.getParent();
        }
        return Optional.empty();
    }

    public void describe(Section section) {
        section.setting("jar: " + jar + "; JVM options: `" + javaOpts + "` (" + (javaOpts.equals(DEFAULT_JAVA_OPTS)
                ? "the ./ssot defaults" : "from SSOT_JAVA_OPTS") + ")");
    }

    public void run(int run, Section section) throws Exception {
        Path dataDir = Files.createTempDirectory(work, "ssot-up-");
        Launch first = launch(dataDir);
        section.put("upSeconds", run, first.secondsToHealthy());
        section.put("rssMb", run, first.memory().rssMb());
        section.put("pssMb", run, first.memory().pssMb());
        section.put("processes", run, first.memory().processes());
        Launch second = launch(dataDir);
        section.put("restartSeconds", run, second.secondsToHealthy());
        section.profile(String.format(Locale.ROOT, "run %d: healthy after %.1f s (the CLI's own count from its start: %s s), %d processes,"
                        + " RSS %,.0f MB (JVM %,.0f MB), PSS %,.0f MB; restart healthy after %.1f s. When each line of ssot up appeared:"
                        + " %s", run + 1, first.secondsToHealthy(), first.cliSaid(), first.memory().processes(), first.memory().rssMb(),
                first.jvmRssMb(), first.memory().pssMb(), second.secondsToHealthy(), first.timeline()));
        progress.printf(Locale.ROOT, "  run %d: healthy after %.1f s, RSS %,.0f MB, PSS %,.0f MB, restart %.1f s%n", run + 1,
                first.secondsToHealthy(), first.memory().rssMb(), first.memory().pssMb(), second.secondsToHealthy());
    }

    /** @param timeline when each progress line of {@code ssot up} arrived, in seconds since launch */
    private record Launch(double secondsToHealthy, String cliSaid, ProcessTree.Memory memory, double jvmRssMb, String timeline) {
    }

    private Launch launch(Path dataDir) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(javaOpts.split("\\s+")));
        command.addAll(List.of("-jar", jar.toString(), "up"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dataDir.toFile())
                .redirectError(dataDir.resolve("ssot-up.stderr").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("DATABASE_") || k.startsWith("TWILIO_")
                || k.startsWith("VAPI_") || k.startsWith("SSOT_") || k.startsWith("TOPIC_") || k.startsWith("RELAY_")
                || k.startsWith("PROJECTOR_") || k.startsWith("PROVISIONER_") || k.startsWith("RECONCILER_"));
        env.put("SSOT_DATA_DIR", dataDir.toString());
        env.put("SSOT_HTTP_PORT", "0");
        long t0 = System.nanoTime();
        Process process = pb.start();
        try {
            List<String> lines = new ArrayList<>();
            List<String> timeline = new ArrayList<>();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> statusUrl = CompletableFuture.supplyAsync(() -> readUntilStatusUrl(out, lines, timeline, t0));
            try {
                statusUrl.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("ssot up printed no STATUS_URL within " + START_TIMEOUT_SECONDS + " s; it said: " + lines, e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("ssot up ended before it was healthy (exit " + exitCode(process) + "); it said: " + lines
                        + "; stderr in " + dataDir.resolve("ssot-up.stderr"), e.getCause());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            String cliSaid = lines.stream().map(HEALTHY_IN::matcher).filter(Matcher::find).findFirst().map(m -> m.group(1))
                    .orElse("n/a");
            ProcessTree.Memory peak = new ProcessTree.Memory(0, 0, 0);
            double jvmRss = 0;
            for (int i = 0; i < MEMORY_SAMPLES; i++) {
                Set<ProcessHandle> tree = ProcessTree.of(process.toHandle(), dataDir);
                ProcessTree.Memory m = ProcessTree.memory(tree);
                if (m.rssKb() > peak.rssKb()) {
                    peak = m;
                    jvmRss = ProcessTree.memory(Set.of(process.toHandle())).rssMb();
                }
                TimeUnit.MILLISECONDS.sleep(500);
            }
            drain(out);
            return new Launch(seconds, cliSaid, peak, jvmRss, String.join(", ", timeline));
        } finally {
            stop(process, dataDir);
        }
    }

    private static String readUntilStatusUrl(BufferedReader out, List<String> lines, List<String> timeline, long t0) {
        try {
            String line;
            while ((line = out.readLine()) != null) {
                double at = (System.nanoTime() - t0) / 1e9;
                synchronized (lines) {
                    lines.add(line);
                    timeline.add(String.format(Locale.ROOT, "%.1f s '%s'", at, shorten(line)));
                }
                if (line.startsWith("STATUS_URL=")) {
                    return line.substring("STATUS_URL=".length());
                }
            }
            throw new IllegalStateException("ssot up closed its output before printing STATUS_URL");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read ssot up's output", e);
        }
    }

    /** The first words of a progress line, enough to say which phase it opens. */
    private static String shorten(String line) {
        String[] words = line.split("\\s+");
        return String.join(" ", Arrays.copyOf(words, Math.min(words.length, 4))).replace("|", "/");
    }

    /** Keeps reading the child's output in the background so it never blocks on a full pipe. */
    private static void drain(BufferedReader out) {
        Thread t = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard: only the first lines matter
                }
            } catch (IOException e) {
                // the child is gone: nothing more to read
            }
        }, "bench-ssot-up-output");
        t.setDaemon(true);
        t.start();
    }

    /** SIGTERM (as Ctrl-C), then waits for the JVM and every process on its data directory to exit. */
    private static void stop(Process process, Path dataDir) throws InterruptedException {
        Set<ProcessHandle> tree = ProcessTree.of(process.toHandle(), dataDir);
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("ssot up did not exit within " + STOP_TIMEOUT_SECONDS + " s of SIGTERM (killed)");
        }
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("process " + p.pid() + " of ssot up is still running 30 s after it stopped", e);
            }
        }
    }

    private static String exitCode(Process p) {
        return p.isAlive() ? "still running" : Integer.toString(p.exitValue());
    }
}

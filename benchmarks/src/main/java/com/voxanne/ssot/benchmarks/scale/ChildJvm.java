package com.voxanne.ssot.benchmarks.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ChildService} in a JVM of its own, started with the JVM options (and MALLOC_ARENA_MAX) {@code ./ssot} uses
 * for that command (or SSOT_JAVA_OPTS) and the bench's class path, every setting in its environment (none inherited from the bench's own), its log in a file
 * of the work directory. While it runs its resident set (VmRSS) is sampled every 250 ms: {@link #peakRssMb()} is the
 * largest sample, {@link #rssMb()} the latest. Closing sends SIGTERM and waits for it to exit (then kills it).
 */
final class ChildJvm implements AutoCloseable {
    /** What ./ssot passes to the JVM when SSOT_JAVA_OPTS is not set (see the ssot script). */
    static final String DEFAULT_JAVA_OPTS = "-Xms64m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    /** What ./ssot passes to the JVM of {@code ./ssot backfill} when SSOT_JAVA_OPTS is not set (see the ssot script). */
    static final String BACKFILL_JAVA_OPTS = "-Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    /** The glibc malloc arenas ./ssot gives {@code ./ssot backfill} when MALLOC_ARENA_MAX is not set (see the ssot script). */
    static final String BACKFILL_MALLOC_ARENAS = "2";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);
    private static final long SAMPLE_MILLIS = 250;

    private final Process process;
    private final String name;
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong peakRssKb = new AtomicLong();
    private final AtomicLong lastRssKb = new AtomicLong();
    private final Thread sampler;

    private ChildJvm(Process process, String name) {
        this.process = process;
        this.name = name;
        Thread reader = new Thread(this::readOutput, "bench-child-" + name + "-output");
        reader.setDaemon(true);
        reader.start();
        this.sampler = new Thread(this::sample, "bench-child-" + name + "-rss");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** The JVM options child {@code what} gets: SSOT_JAVA_OPTS when set, else those ./ssot gives that command. */
    static String javaOpts(String what) {
        String fromEnv = System.getenv("SSOT_JAVA_OPTS");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        return "backfill".equals(what) ? BACKFILL_JAVA_OPTS : DEFAULT_JAVA_OPTS;
    }

    /** Where child {@code what}'s JVM options come from, for the report. */
    static String javaOptsSource(String what) {
        String fromEnv = System.getenv("SSOT_JAVA_OPTS");
        return fromEnv != null && !fromEnv.isBlank() ? "from SSOT_JAVA_OPTS" : "the ./ssot defaults for " + what;
    }

    /** MALLOC_ARENA_MAX for child {@code what}: the bench's own when set, else what ./ssot gives that command (if any). */
    static Optional<String> mallocArenas(String what) {
        String fromEnv = System.getenv("MALLOC_ARENA_MAX");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv.trim());
        }
        return "backfill".equals(what) ? Optional.of(BACKFILL_MALLOC_ARENAS) : Optional.empty();
    }

    /**
     * Starts {@code ChildService what} with exactly {@code env} (plus PATH and HOME), logging to {@code work/what.log}.
     */
    static ChildJvm start(String what, Map<String, String> env, Path work) throws IOException {
        Files.createDirectories(work);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(javaOpts(what).split("\\s+")));
        command.add("-Dlogback.configurationFile=ssot-bench-logback.xml");
        command.add("-Dssot.bench.log=" + work.resolve(what + ".log"));
        command.add("-Djava.io.tmpdir=" + work);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildService.class.getName(), what));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectError(work.resolve(what + ".stderr").toFile());
        Map<String, String> childEnv = pb.environment();
        String path = childEnv.get("PATH");
        String home = childEnv.get("HOME");
        childEnv.clear();
        if (path != null) {
            childEnv.put("PATH", path);
        }
        if (home != null) {
            childEnv.put("HOME", home);
        }
        mallocArenas(what).ifPresent(arenas -> childEnv.put("MALLOC_ARENA_MAX", arenas));
        childEnv.putAll(env);
        return new ChildJvm(pb.start(), what);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the first output line starting with {@code prefix}. */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> line = line(prefix);
            if (line.isPresent()) {
                return line.get();
            }
            if (!process.isAlive()) {
                line = line(prefix); // it may have printed it just before it exited
                if (line.isPresent()) {
                    return line.get();
                }
                throw new IllegalStateException("the " + name + " JVM exited (" + process.exitValue() + ") before printing '"
                        + prefix + "'; it said " + output() + " (its stderr and log are in its work directory)");
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException("the " + name + " JVM printed no '" + prefix + "' within " + timeout + "; it said "
                + output());
    }

    /** Waits for the process to exit on its own and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the " + name + " JVM did not finish within " + timeout + "; it said " + output());
        }
        sampler.join(2 * SAMPLE_MILLIS);
        return process.exitValue();
    }

    double peakRssMb() {
        return peakRssKb.get() / 1024.0;
    }

    double rssMb() {
        return lastRssKb.get() / 1024.0;
    }

    List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    private Optional<String> line(String prefix) {
        synchronized (lines) {
            return lines.stream().filter(l -> l.startsWith(prefix)).findFirst();
        }
    }

    private void readOutput() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // the child is gone: nothing more to read
        }
    }

    private void sample() {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        while (process.isAlive()) {
            long kb = vmRssKb(status);
            if (kb > 0) {
                lastRssKb.set(kb);
                peakRssKb.accumulateAndGet(kb, Math::max);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** VmRSS of /proc/PID/status in kB, or -1 when the process is gone. */
    private static long vmRssKb(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring("VmRSS:".length()).replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** SIGTERM, as ./ssot's Ctrl-C; a JVM that does not exit within 90 s is killed (and that is an error). */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("the " + name + " JVM did not exit within " + STOP_TIMEOUT + " of SIGTERM (killed)");
        }
    }
}

package com.voxanne.ssot.cli;

import com.voxanne.ssot.embedded.LocalProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The packaged {@code cli/target/ssot.jar} run the way a user runs it on a machine where nothing ran before: each
 * command its own OS process, started in {@code workDir} (so the default data directory {@code .ssot} is
 * {@code workDir/.ssot}, as for a user in a fresh clone), with an EMPTY {@code java.io.tmpdir} of its own (so the
 * PostgreSQL binaries are unpacked by the jar's own classpath in this run, never found from an earlier one), and with
 * none of the caller's pipeline settings.
 */
final class PackagedSsot {
    static final Path JAR = Path.of("target", "ssot.jar").toAbsolutePath();

    private final Path workDir;
    private final Path tmpDir;
    private final Map<String, String> settings;

    /**
     * @param workDir  where every command runs (holds {@code .ssot}, the default data directory)
     * @param settings extra environment for every command (e.g. SSOT_GRACE)
     */
    PackagedSsot(Path workDir, Map<String, String> settings) throws IOException {
        this.workDir = workDir;
        this.tmpDir = Files.createDirectories(workDir.resolve("tmp"));
        this.settings = Map.copyOf(settings);
        try (var entries = Files.list(tmpDir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalStateException("java.io.tmpdir for the packaged jar must start empty: " + tmpDir);
            }
        }
    }

    Path workDir() {
        return workDir;
    }

    Path dataDir() {
        return workDir.resolve(".ssot");
    }

    /** A long-running command ({@code up}): its output is collected line by line as it comes. */
    Running start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** A long-running command with {@code extraSettings} on top of every command's (e.g. one instance's PROVISIONER_INSTANCE_ID). */
    Running start(Map<String, String> extraSettings, String... args) throws IOException {
        Path stderr = Files.createTempFile(workDir, "stderr-" + args[0] + "-", ".txt");
        ProcessBuilder pb = builder(args).redirectError(stderr.toFile());
        pb.environment().putAll(extraSettings);
        Process process = pb.start();
        return new Running(process, stderr);
    }

    /** A command that ends by itself: its exit code and everything it printed (stdout and stderr). */
    Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        Path output = Files.createTempFile(workDir, "out-" + args[0] + "-", ".txt");
        Process process = builder(args).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        if (!exited) {
            throw new AssertionError("./ssot " + String.join(" ", args) + " did not finish within " + timeout + ":\n" + out);
        }
        return new Result(process.exitValue(), out);
    }

    private ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmpDir, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        // the build's local Maven repository, where the schema registry's archive is found (or downloaded to) once
        String mavenRepository = System.getProperty("maven.repo.local");
        if (mavenRepository != null && !mavenRepository.isBlank()) {
            cmd.add("-Dmaven.repo.local=" + mavenRepository);
        }
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("DATABASE_") || k.startsWith("TWILIO_")
                || k.startsWith("VAPI_") || k.startsWith("SSOT_") || k.startsWith("SCHEMA_REGISTRY_") || k.startsWith("TOPIC_")
                || k.startsWith("PROVISIONER_") || k.startsWith("PROJECTOR_") || k.startsWith("RECONCILER_") || k.startsWith("RELAY_"));
        env.putAll(settings);
        return pb;
    }

    /** Every live, non-zombie process (not this JVM) whose command line names {@code workDir}: PostgreSQL, the registry, a jar. */
    List<ProcessHandle> processesLeft() {
        String path = workDir.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().map(c -> c.contains(path)).orElse(false))
                .filter(LocalProcesses::isRunning) // a zombie holds nothing
                .toList();
    }

    record Result(int exitCode, String output) {
    }

    /** A started command whose standard output is read into {@link #lines()} by a daemon thread. */
    static final class Running {
        final Process process;
        private final Path stderr;
        private final List<String> lines = new CopyOnWriteArrayList<>();

        private Running(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("<output unreadable: " + e + ">");
                }
            }, "packaged-ssot-output");
            reader.setDaemon(true);
            reader.start();
        }

        List<String> lines() {
            return List.copyOf(lines);
        }

        /** The value of the first printed {@code NAME=value} line, if printed yet. */
        java.util.Optional<String> printed(String name) {
            return lines.stream().filter(l -> l.startsWith(name + "=")).map(l -> l.substring(name.length() + 1)).findFirst();
        }

        /** Sends SIGINT, as Ctrl-C in a terminal does. */
        void interrupt() throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("could not send SIGINT to " + process.pid());
            }
        }

        String describe() {
            String err;
            try {
                err = Files.readString(stderr, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return "stdout:\n" + String.join("\n", lines) + "\nstderr:\n" + err;
        }
    }
}

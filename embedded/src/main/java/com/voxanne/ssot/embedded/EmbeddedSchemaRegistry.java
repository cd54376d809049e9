package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Confluent-compatible schema registry: Apicurio Registry {@value RegistryDistribution#VERSION} (from Maven
 * Central, see {@link RegistryDistribution}) run as a child JVM on a loopback port, its storage an H2 database FILE in
 * its data directory, so subjects, schema ids and compatibility settings survive a restart (records on topics refer to
 * those ids: losing them would make the records unreadable).
 *
 * <p>{@link #url()} is {@code http://127.0.0.1:<port>/apis/ccompat/v7}: Apicurio's Confluent-compatible API, the base URL
 * that {@code SCHEMA_REGISTRY_URL} means (a Confluent client appends {@code /subjects/...}, {@code /schemas/ids/...},
 * {@code /config/...}). {@link #stop()} and {@link #start()} keep the SAME port and data, for fault tests.
 *
 * <p>The registry never outlives its owner, this JVM: the child's main class is {@link OwnerWatchdog}, which exits it
 * when this JVM ends however it ends ({@code kill -9} included), then runs Apicurio's own main class. The data directory
 * is locked ({@link DataDirectoryLock}) from the first start to {@link #close()}, so a registry still shutting down
 * after its owner died (its pid is in {@code registry.pid}) is waited for, and killed if it does not stop, before a new
 * one opens its database.
 *
 * <p>The child runs the JVM that runs this one ({@code java.home}), with {@value #MAX_HEAP} of heap (~200-245 MB
 * resident), its working directory the data directory, its output appended to a log file (not this JVM's output), and
 * none of the user's {@code QUARKUS_*}/{@code APICURIO_*} variables. Its first start on a machine records a class data
 * sharing archive that every later start maps (see {@link RegistryLaunchFiles}): ~1.6 s instead of ~3 s to answer.
 * Health: {@link #healthUrl()} ({@code /health/ready} on the same port: this Apicurio build has no separate management
 * port).
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
    /** The path of the Confluent-compatible API under the registry's root. */
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
    static final String MAX_HEAP = "256m";
    static final String PID_FILE = "registry.pid";
    private static final String DATABASE_NAME = "registry";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
    private static final int PORT_ATTEMPTS = 3;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Path dataDir;
    private final Path temporaryRoot;
    private final Path logFile;
    private final int requestedPort;
    private final Duration startupTimeout;
    private final RegistryDistribution distribution;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private volatile int port; // read without the lock: the URL is known while a start is under way
    private boolean portReserved;
    private boolean startedOnce;
    private DataDirectoryLock lock;
    private volatile Process process; // read without the lock by isRunning(), for health checks during a start
    private OutputStream lifeline;
    private Path cdsDump; // where the running child dumps its class data sharing archive at exit, if it does
    private Path cdsArchive;
    private boolean closed;

    private EmbeddedSchemaRegistry(Builder b) {
        if (b.dataDir == null) {
            this.temporaryRoot = Directories.createTempDirectory("embedded-registry-");
            this.dataDir = temporaryRoot.resolve("registry");
        } else {
            this.temporaryRoot = null;
            this.dataDir = b.dataDir.toAbsolutePath().normalize();
        }
        this.logFile = b.logFile != null ? b.logFile.toAbsolutePath() : dataDir.resolveSibling(dataDir.getFileName() + ".log");
        this.requestedPort = b.port;
        this.port = b.port;
        this.startupTimeout = b.startupTimeout;
        this.distribution = b.distribution != null ? b.distribution : RegistryDistribution.fromEnvironment();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a registry on a free port with its data in {@code dataDir} (kept on close). */
    public static EmbeddedSchemaRegistry start(Path dataDir) {
        return builder().dataDir(dataDir).build().start();
    }

    /**
     * Starts the registry (downloading and unpacking Apicurio first if this machine never did) and returns once its
     * Confluent-compatible API answers. After a {@link #stop()}, starts it again on the same port and data. Does nothing
     * if it is running. The startup timeout counts from the launch of the child, not the download.
     *
     * @throws EmbeddedStackException if it does not answer within the startup timeout, exits, or the data directory is
     *                                in use by another live owner
     */
    public synchronized EmbeddedSchemaRegistry start() {
        if (closed) {
            throw new IllegalStateException("EmbeddedSchemaRegistry on " + dataDir + " is closed");
        }
        if (process != null && process.isAlive()) {
            return this;
        }
        if (process != null) {
            log.warn("Schema registry (pid {}) on port {} had exited with code {}: starting it again; see its log {}", process.pid(), port,
                    process.exitValue(), logFile);
            afterExit(process);
            process = null;
            closeLifeline();
            deletePidFile();
        }
        Path runner = distribution.prepare();
        long t0 = System.nanoTime();
        boolean lockedHere = false;
        if (lock == null) {
            lock = DataDirectoryLock.acquire(dataDir);
            lockedHere = true;
        }
        try {
            stopLeftover();
            Directories.createDirectories(logFile.getParent());
            boolean mayPickPort = requestedPort == 0 && !startedOnce && !portReserved;
            int attempts = mayPickPort ? PORT_ATTEMPTS : 1;
            for (int attempt = 1; ; attempt++) {
                if (mayPickPort) {
                    port = LocalPorts.freePort();
                }
                try {
                    launch(runner);
                    break;
                } catch (EmbeddedStackException e) {
                    if (attempt >= attempts) {
                        throw e;
                    }
                    log.warn("Schema registry did not start on port {} ({}), retrying on another free port", port, e.getMessage());
                }
            }
        } catch (RuntimeException | Error e) {
            if (lockedHere) {
                releaseLock(e);
            }
            throw e;
        }
        startedOnce = true;
        log.info("Schema registry (Apicurio {}) ready at {} (pid {}, data {}, log {}) in {} ms", RegistryDistribution.VERSION, url(),
                process.pid(), dataDir, logFile, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /**
     * Stops the registry (SIGTERM: Apicurio closes its database cleanly) and waits until its process is gone; kills it
     * if it has not stopped within 30 s. The port and data stay reserved for {@link #start()}. Does nothing if stopped.
     */
    public synchronized void stop() {
        Process running = process;
        if (running == null) {
            return;
        }
        process = null;
        long t0 = System.nanoTime();
        try {
            terminate(running);
            afterExit(running);
        } finally {
            closeLifeline();
            deletePidFile();
        }
        log.info("Schema registry on port {} stopped in {} ms", port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Stops the registry (no process is left) and releases its data directory; deletes the data only if it was a temp directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            if (lock != null) {
                lock.close();
                lock = null;
            }
            if (temporaryRoot != null) {
                Directories.deleteRecursively(temporaryRoot);
            }
        }
    }

    /** Whether its process runs (not synchronized: answers at once, also while a start or stop is under way). */
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Fixes the port now (a free one if none was asked for), so that {@link #url()} is known before {@link #start()}
     * returns, for a caller that starts the registry in the background; start() then binds exactly this port (and fails
     * if someone took it meanwhile, rather than moving to another).
     */
    public synchronized int reservePort() {
        if (port == 0) {
            port = LocalPorts.freePort();
        }
        portReserved = true;
        return port;
    }

    /** The registry's process while it runs. */
    public Optional<ProcessHandle> process() {
        return Optional.ofNullable(process).map(Process::toHandle);
    }

    /** The HTTP port, fixed from the first start (or {@link #reservePort()}) on. */
    public int port() {
        requireStartedOnce();
        return port;
    }

    /**
     * {@code http://127.0.0.1:<port>/apis/ccompat/v7}: the Confluent-compatible API, what {@code SCHEMA_REGISTRY_URL}
     * names (the same value a Confluent Schema Registry would have at its root).
     */
    public String url() {
        return rootUrl() + CCOMPAT_PATH;
    }

    /** {@code http://127.0.0.1:<port>/health/ready}: 200 with {@code "status": "UP"} once it serves requests. */
    public String healthUrl() {
        return rootUrl() + "/health/ready";
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    /** The H2 database URL the registry stores everything in. */
    String datasourceUrl() {
        return "jdbc:h2:file:" + dataDir.resolve(DATABASE_NAME) + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    private String rootUrl() {
        requireStartedOnce();
        return "http://" + LocalPorts.LOOPBACK + ":" + port;
    }

    private void launch(Path runner) {
        if (!LocalPorts.isFree(port)) {
            throw new EmbeddedStackException("cannot start the schema registry on port " + port + ": it is taken by another process");
        }
        List<String> command = command(runner);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dataDir.toFile())
                .redirectOutput(Redirect.appendTo(logFile.toFile()))
                .redirectErrorStream(true);
        // The child's settings are exactly ours: none of the user's Quarkus or Apicurio variables may change them.
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("APICURIO_") || k.startsWith("REGISTRY_"));
        Process started;
        try {
            started = pb.start();
        } catch (IOException e) {
            throw new EmbeddedStackException("could not start the schema registry (" + command.get(0) + ")", e);
        }
        // Its standard input is the watchdog's lifeline: kept open, never written; it closes when this JVM ends.
        lifeline = started.getOutputStream();
        process = started;
        writePidFile(started.pid());
        try {
            awaitAnswer(started);
        } catch (RuntimeException e) {
            process = null;
            try {
                terminate(started);
                afterExit(started);
            } catch (RuntimeException stopFailure) {
                e.addSuppressed(stopFailure);
            }
            closeLifeline();
            deletePidFile();
            throw e;
        }
    }

    private List<String> command(Path runner) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + MAX_HEAP);
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1"); // a light, mostly idle service: quick start, little CPU for the JIT
        RegistryLaunchFiles files = new RegistryLaunchFiles(runner.getParent());
        Path watchdog = files.watchdogJar();
        Path archive = files.archive(watchdog);
        if (RegistryLaunchFiles.usable(archive)) {
            cmd.add("-XX:SharedArchiveFile=" + archive);
            cdsDump = null;
        } else {
            cdsArchive = archive;
            cdsDump = files.dumpTarget(archive);
            cmd.add("-XX:ArchiveClassesAtExit=" + cdsDump); // once per machine and JVM: later starts map it
        }
        cmd.add("-Dquarkus.http.host=" + LocalPorts.LOOPBACK);
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.log.console.color=false");
        cmd.add("-Dapicurio.storage.kind=sql");
        cmd.add("-Dapicurio.storage.sql.kind=h2");
        cmd.add("-Dapicurio.datasource.url=" + datasourceUrl());
        cmd.add("-cp");
        cmd.add(watchdog + java.io.File.pathSeparator + runner);
        cmd.add(OwnerWatchdog.class.getName());
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        cmd.add(mainClassOf(runner));
        return cmd;
    }

    /** A child that dumped a class data sharing archive at its exit: keep the archive if the exit was clean. */
    private void afterExit(Process exited) {
        Path dump = cdsDump;
        cdsDump = null;
        if (dump != null && !exited.isAlive()) {
            RegistryLaunchFiles.promote(dump, cdsArchive, exited.exitValue());
        }
    }

    /** The runner jar's {@code Main-Class} (its {@code Class-Path} names {@code lib/}, which -cp honours as -jar does). */
    static String mainClassOf(Path runner) {
        try (JarFile jar = new JarFile(runner.toFile())) {
            Manifest manifest = jar.getManifest();
            String main = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
            if (main == null || main.isBlank()) {
                throw new EmbeddedStackException(runner + " names no Main-Class in its manifest");
            }
            return main.trim();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the manifest of " + runner, e);
        }
    }

    private void awaitAnswer(Process started) {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        URI subjects = URI.create(url() + "/subjects");
        String last = "no answer yet";
        while (true) {
            if (!started.isAlive()) {
                throw new EmbeddedStackException("the schema registry exited with code " + started.exitValue() + " before answering on port "
                        + port + " (data " + dataDir + "); its log " + logFile + " ends with:\n" + tail(logFile, 15));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(subjects).timeout(Duration.ofSeconds(2)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedStackException("interrupted while waiting for the schema registry on port " + port, e);
            }
            if (System.nanoTime() > deadline) {
                throw new EmbeddedStackException("the schema registry did not answer " + subjects + " within " + startupTimeout + " (" + last
                        + "); see its log " + logFile);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedStackException("interrupted while waiting for the schema registry on port " + port, e);
            }
        }
    }

    private void terminate(Process running) {
        // SIGTERM: Quarkus shuts down, the datasource (and with it H2) closes. Through the ProcessHandle, because
        // Process.destroy() also closes the child's stdin at once, which its watchdog would take for its owner's death.
        running.toHandle().destroy();
        try {
            if (running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            log.error("Schema registry (pid {}) did not stop within {}: killing it", running.pid(), STOP_TIMEOUT);
            running.destroyForcibly();
            if (!running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new EmbeddedStackException("schema registry (pid " + running.pid() + ", data " + dataDir + ") could not be stopped");
            }
        } catch (InterruptedException e) {
            running.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EmbeddedStackException("interrupted while stopping the schema registry (pid " + running.pid() + "); it was killed", e);
        }
    }

    /**
     * A registry that a dead owner left on this directory is still shutting down (its watchdog stops it within a second
     * or so): wait for it, kill it after 30 s. Only called while holding the directory's lock, which proves that owner
     * is dead; the pid is trusted only if that process's command line names this data directory's database.
     */
    private void stopLeftover() {
        Path pidFile = dataDir.resolve(PID_FILE);
        Optional<ProcessHandle> leftover = readPid(pidFile).flatMap(ProcessHandle::of).filter(LocalProcesses::isRunning)
                .filter(p -> LocalProcesses.arguments(p).stream().anyMatch(a -> a.contains(datasourceUrl())));
        if (leftover.isEmpty()) {
            deletePidFile();
            return;
        }
        ProcessHandle p = leftover.get();
        log.warn("Schema registry (pid {}) left on {} by a previous owner that died is still stopping: waiting for it", p.pid(), dataDir);
        if (!LocalProcesses.awaitExit(p, STOP_TIMEOUT)) {
            log.error("Leftover schema registry (pid {}) did not stop within {}: killing it", p.pid(), STOP_TIMEOUT);
            p.destroyForcibly();
            if (!LocalProcesses.awaitExit(p, STOP_TIMEOUT)) {
                throw new EmbeddedStackException("leftover schema registry (pid " + p.pid() + ") on " + dataDir + " could not be stopped");
            }
        }
        deletePidFile();
    }

    /**
     * Before a fresh start deletes the data directory: waits for (or kills) a registry that a dead owner left on it, under
     * the directory's lock. Does nothing if this instance holds the lock already (its start handled any leftover).
     */
    synchronized void awaitLeftover() {
        if (lock != null || !Files.isDirectory(dataDir)) {
            return;
        }
        try (DataDirectoryLock ignored = DataDirectoryLock.acquire(dataDir)) {
            stopLeftover();
        }
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            return Optional.of(Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void writePidFile(long pid) {
        Path pidFile = dataDir.resolve(PID_FILE);
        try {
            Files.writeString(pidFile, pid + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + pidFile, e);
        }
    }

    private void deletePidFile() {
        try {
            Files.deleteIfExists(dataDir.resolve(PID_FILE));
        } catch (IOException ignored) {
            // a stale pid file is checked against the process's command line before it is trusted
        }
    }

    private void closeLifeline() {
        OutputStream out = lifeline;
        lifeline = null;
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the child is gone or going
            }
        }
    }

    private void releaseLock(Throwable failure) {
        try {
            lock.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        } finally {
            lock = null;
        }
    }

    private static String tail(Path file, int lines) {
        try (InputStream in = Files.newInputStream(file)) {
            List<String> all = List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private void requireStartedOnce() {
        if (port == 0) {
            throw new IllegalStateException("EmbeddedSchemaRegistry has no port yet: start() it (or reservePort()) first");
        }
    }

    @Override
    public String toString() {
        return "EmbeddedSchemaRegistry[" + (port == 0 ? "not started" : LocalPorts.LOOPBACK + ":" + port) + ", data " + dataDir + "]";
    }

    /** Settings of an {@link EmbeddedSchemaRegistry}; every one has a default. */
    public static final class Builder {
        private Path dataDir;
        private Path logFile;
        private int port;
        private Duration startupTimeout = Duration.ofSeconds(120);
        private RegistryDistribution distribution;

        private Builder() {
        }

        /** Where the H2 database lives (kept on close); default a temp directory deleted on close. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Where the registry's own output goes (appended); default {@code <dataDir>.log} next to the data directory. */
        public Builder logFile(Path logFile) {
            this.logFile = Objects.requireNonNull(logFile, "logFile");
            return this;
        }

        /** HTTP port on 127.0.0.1; 0 (default) picks a free one at the first start, kept by every later start. */
        public Builder port(int port) {
            LocalPorts.requireValid("schema registry port", port);
            this.port = port;
            return this;
        }

        /** How long start() waits for the registry to answer once launched (downloads are not counted); default 120 s. */
        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be > 0, was " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** Where Apicurio comes from; default {@link RegistryDistribution#fromEnvironment()}. */
        public Builder distribution(RegistryDistribution distribution) {
            this.distribution = Objects.requireNonNull(distribution, "distribution");
            return this;
        }

        /** A stopped registry; call {@link EmbeddedSchemaRegistry#start()}. */
        public EmbeddedSchemaRegistry build() {
            return new EmbeddedSchemaRegistry(this);
        }
    }
}

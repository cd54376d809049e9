package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka cluster of several KRaft nodes (default {@value #DEFAULT_SIZE}), each broker and controller in a
 * JVM of its own, on loopback ports: the embedded default of {@code ./ssot up --brokers 3}. The controller quorum is the
 * nodes themselves (every node is a voter, so one node may be down). Topics created without a replication factor, and
 * every internal topic (offsets, transactions, share state; the Streams and relay topics follow the broker default),
 * get one replica per node and {@code min.insync.replicas} one less: with one node down, writes with {@code acks=all}
 * go on.
 *
 * <pre>
 * dataDir/node-N/
 *   data/              its storage (formatted once with the cluster's id, reused)
 *   server.properties  its configuration (rewritten at each start: the ports are chosen per start)
 *   broker.log         its JVM's own output
 *   logs/              its log files
 *   broker.pid         while it runs
 * </pre>
 *
 * <p>A node that dies while the cluster runs (a crash, {@code kill -9}) is restarted after the restart delay, on the
 * same ports and data: it rejoins and catches up. No node outlives the process that started the cluster (each runs under
 * {@link OwnerWatchdog}); a start on a directory whose previous owner died waits for that owner's nodes to go first.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    public static final int DEFAULT_SIZE = 3;
    /** The variable {@code ./ssot up} reads the restart delay from (a duration such as {@code 5s}). */
    public static final String RESTART_DELAY_VARIABLE = "SSOT_EMBEDDED_BROKER_RESTART_DELAY";
    public static final Duration DEFAULT_RESTART_DELAY = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final String MAX_HEAP = "512m";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final String PID_FILE = "broker.pid";
    private static final String PROPERTIES_FILE = "server.properties";

    private final Path dataDir;
    private final int size;
    private final int numPartitions;
    private final Duration startupTimeout;
    private final Duration restartDelay;
    private final Map<String, String> overrides;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<Consumer<Broker>> restartListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "embedded-kafka-supervisor");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closing;
    private boolean started;

    /**
     * One node as an operator sees it.
     *
     * @param id      node.id (1..size)
     * @param address {@code 127.0.0.1:<port>} of its client listener
     * @param pid     its process while one runs
     */
    public record Broker(int id, String address, OptionalLong pid) {
        public boolean running() {
            return pid.isPresent();
        }
    }

    private EmbeddedKafkaCluster(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath();
        this.size = b.size;
        this.numPartitions = b.numPartitions;
        this.startupTimeout = b.startupTimeout;
        this.restartDelay = b.restartDelay;
        this.overrides = Map.copyOf(b.overrides);
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /**
     * Formats new nodes, starts every node on free ports and returns once describeCluster lists all of them.
     *
     * @throws EmbeddedStackException if they do not all answer within the startup timeout (every node is then stopped)
     */
    public synchronized EmbeddedKafkaCluster start() {
        if (started) {
            throw new IllegalStateException("this cluster was started already: one start per instance");
        }
        started = true;
        long t0 = System.nanoTime();
        String clusterId = clusterId();
        List<Integer> ports = distinctFreePorts(2 * size);
        String voters = java.util.stream.IntStream.rangeClosed(1, size)
                .mapToObj(id -> id + "@" + LocalPorts.LOOPBACK + ":" + ports.get(size + id - 1))
                .collect(Collectors.joining(","));
        for (int id = 1; id <= size; id++) {
            Path dir = nodeDir(id);
            KraftNodeConfig config = new KraftNodeConfig(id, voters, ports.get(id - 1), ports.get(size + id - 1), dir.resolve("data"),
                    numPartitions, size, null, overrides);
            nodes.add(new NodeProcess(id, config, dir));
        }
        try {
            for (NodeProcess node : nodes) {
                node.prepare(clusterId);
            }
            for (NodeProcess node : nodes) {
                node.launch();
            }
            BrokerReadiness.await(bootstrapServers(), Map.of(), size, startupTimeout, () -> "Kafka cluster " + bootstrapServers());
        } catch (RuntimeException e) {
            try {
                close();
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
        log.info("Kafka cluster of {} nodes ready on {} (cluster {}, data {}) in {} ms", size, bootstrapServers(), clusterId, dataDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /** Every node's client listener, comma-separated: the value for {@code KAFKA_BOOTSTRAP_SERVERS}. */
    public String bootstrapServers() {
        requireStarted();
        return nodes.stream().map(n -> n.address()).collect(Collectors.joining(","));
    }

    /** The nodes, by id, as they are now. */
    public List<Broker> brokers() {
        requireStarted();
        return nodes.stream().map(NodeProcess::view).toList();
    }

    public int size() {
        return size;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Called (on the supervisor's thread) each time a node that died has been restarted. */
    public void onRestart(Consumer<Broker> listener) {
        restartListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * {@code kill -9} of one node, as a crash would: no controlled shutdown. The supervisor restarts it after the restart
     * delay. Returns once the process has exited.
     */
    public void kill(int id) {
        node(id).kill();
    }

    /**
     * Waits until node {@code id} runs again and the cluster lists it (after a {@link #kill} and the restart delay).
     *
     * @throws EmbeddedStackException if that does not happen within {@code timeout}
     */
    public void awaitRunning(int id, Duration timeout) {
        NodeProcess node = node(id);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (node.view().pid().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new EmbeddedStackException("Kafka node " + id + " did not run again within " + timeout);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedStackException("interrupted while waiting for Kafka node " + id, e);
            }
        }
        long remaining = Math.max(1, deadline - System.nanoTime());
        BrokerReadiness.await(bootstrapServers(), Map.of(), size, Duration.ofNanos(remaining), () -> "Kafka cluster " + bootstrapServers());
    }

    /**
     * Stops every node at once (SIGTERM: each moves its leaderships away while the quorum is still there, then stops),
     * kills any that has not stopped within a minute. The data stays.
     */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        supervisor.shutdownNow();
        long t0 = System.nanoTime();
        RuntimeException failure = null;
        for (NodeProcess node : nodes) {
            node.signalStop();
        }
        for (NodeProcess node : nodes) {
            try {
                node.awaitStopped();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (!nodes.isEmpty()) {
            log.info("Kafka cluster on {} stopped in {} ms", dataDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaCluster[" + size + " nodes" + (nodes.isEmpty() ? "" : " on " + bootstrapServers()) + ", data " + dataDir + "]";
    }

    private Path nodeDir(int id) {
        return dataDir.resolve("node-" + id);
    }

    private NodeProcess node(int id) {
        requireStarted();
        if (id < 1 || id > size) {
            throw new IllegalArgumentException("no Kafka node " + id + ": the nodes are 1.." + size);
        }
        return nodes.get(id - 1);
    }

    private void requireStarted() {
        if (nodes.isEmpty()) {
            throw new IllegalStateException("the Kafka cluster has not been started");
        }
    }

    /** The id every formatted node holds (they must agree), or a new one for a new cluster. */
    private String clusterId() {
        Set<String> ids = new HashSet<>();
        for (int id = 1; id <= size; id++) {
            KraftNodeConfig.clusterIdOf(nodeDir(id).resolve("data")).ifPresent(ids::add);
        }
        if (ids.size() > 1) {
            throw new EmbeddedStackException("the Kafka nodes under " + dataDir + " belong to different clusters " + ids
                    + ": start with a fresh data directory");
        }
        return ids.stream().findFirst().orElseGet(() -> Uuid.randomUuid().toString());
    }

    private static List<Integer> distinctFreePorts(int count) {
        Set<Integer> ports = new java.util.LinkedHashSet<>();
        while (ports.size() < count) {
            ports.add(LocalPorts.freePort());
        }
        return List.copyOf(ports);
    }

    private void exited(NodeProcess node, Process process) {
        if (closing || !node.isCurrent(process) || node.stopRequested) {
            return;
        }
        log.warn("Kafka node {} (pid {}) exited with code {}; restarting it in {} on the same ports and data", node.id, process.pid(),
                process.exitValue(), restartDelay);
        node.forget(process);
        try {
            supervisor.schedule(() -> restart(node), restartDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing meanwhile: nothing to restart
        }
    }

    private void restart(NodeProcess node) {
        if (closing) {
            return;
        }
        try {
            node.launch();
            log.info("Kafka node {} restarted (pid {})", node.id, node.view().pid().orElse(-1));
            Broker view = node.view();
            restartListeners.forEach(l -> l.accept(view));
        } catch (RuntimeException e) {
            log.error("Kafka node {} could not be restarted: retrying in {}", node.id, restartDelay, e);
            try {
                supervisor.schedule(() -> restart(node), restartDelay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // closing meanwhile
            }
        }
    }

    /** One node's process, its files and its supervision. */
    private final class NodeProcess {
        private final int id;
        private final KraftNodeConfig config;
        private final Path dir;
        private volatile Process process;
        private OutputStream lifeline;
        private volatile boolean stopRequested;

        NodeProcess(int id, KraftNodeConfig config, Path dir) {
            this.id = id;
            this.config = config;
            this.dir = dir;
        }

        String address() {
            return LocalPorts.LOOPBACK + ":" + config.port();
        }

        Broker view() {
            Process p = process;
            return new Broker(id, address(), p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty());
        }

        boolean isCurrent(Process p) {
            return process == p;
        }

        /** Formats its storage if new, writes its configuration, and waits for a node a dead owner left here. */
        void prepare(String clusterId) {
            Directories.createDirectories(dir);
            stopLeftover(id, dir);
            config.formatIfNeeded(clusterId);
            Properties props = config.properties();
            try (OutputStream out = Files.newOutputStream(dir.resolve(PROPERTIES_FILE))) {
                props.store(out, "Kafka node " + id + ", written by EmbeddedKafkaCluster at each start");
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + dir.resolve(PROPERTIES_FILE), e);
            }
        }

        synchronized void launch() {
            stopRequested = false;
            List<String> command = List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms64m", "-Xmx" + MAX_HEAP, "-XX:+UseSerialGC",
                    "-Dssot.log.dir=" + dir.resolve("logs"), "-Dssot.console.level=ERROR",
                    "-cp", System.getProperty("java.class.path"),
                    OwnerWatchdog.class.getName(), Long.toString(ProcessHandle.current().pid()),
                    BrokerNode.class.getName(), dir.resolve(PROPERTIES_FILE).toString());
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(Redirect.appendTo(dir.resolve("broker.log").toFile())).redirectErrorStream(true);
            Process started;
            try {
                started = pb.start();
            } catch (IOException e) {
                throw new EmbeddedStackException("could not start Kafka node " + id + " (" + command.get(0) + ")", e);
            }
            // its standard input is the watchdog's lifeline: kept open, never written; it closes when this JVM ends
            lifeline = started.getOutputStream();
            process = started;
            writePid(started.pid());
            started.onExit().thenAccept(p -> exited(this, p));
        }

        synchronized void forget(Process exited) {
            if (process == exited) {
                process = null;
                closeLifeline();
            }
        }

        void kill() {
            Process p = process;
            if (p == null) {
                return;
            }
            p.toHandle().destroyForcibly();
            if (!LocalProcesses.awaitExit(p.toHandle(), STOP_TIMEOUT)) {
                throw new EmbeddedStackException("Kafka node " + id + " (pid " + p.pid() + ") did not die on SIGKILL");
            }
        }

        void signalStop() {
            stopRequested = true;
            Process p = process;
            if (p != null) {
                // through the handle: Process.destroy() would also close stdin, which the watchdog reads as its owner's death
                p.toHandle().destroy();
            }
        }

        void awaitStopped() {
            Process p = process;
            try {
                if (p == null) {
                    return;
                }
                if (!LocalProcesses.awaitExit(p.toHandle(), STOP_TIMEOUT)) {
                    log.error("Kafka node {} (pid {}) did not stop within {}: killing it", id, p.pid(), STOP_TIMEOUT);
                    p.toHandle().destroyForcibly();
                    if (!LocalProcesses.awaitExit(p.toHandle(), STOP_TIMEOUT)) {
                        throw new EmbeddedStackException("Kafka node " + id + " (pid " + p.pid() + ") could not be stopped");
                    }
                }
            } finally {
                synchronized (this) {
                    process = null;
                    closeLifeline();
                }
                deletePid();
            }
        }

        private void closeLifeline() {
            if (lifeline != null) {
                try {
                    lifeline.close();
                } catch (IOException ignored) {
                    // the child is gone: nothing to tell it
                }
                lifeline = null;
            }
        }

        private void writePid(long pid) {
            try {
                Files.writeString(dir.resolve(PID_FILE), pid + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + dir.resolve(PID_FILE), e);
            }
        }

        private void deletePid() {
            EmbeddedKafkaCluster.deletePid(dir);
        }
    }

    /**
     * Waits for the nodes a previous owner that died left on this directory (each one's watchdog stops it within
     * seconds), killing any still there after a minute: before the directory's files are reused or wiped. Call it only
     * while holding the data directory's lock, which proves that owner is dead.
     */
    public void stopLeftovers() {
        for (int id = 1; id <= size; id++) {
            stopLeftover(id, nodeDir(id));
        }
    }

    /** The pid file is trusted only if that process's command line names this node's configuration. */
    private static void stopLeftover(int id, Path dir) {
        Optional<ProcessHandle> leftover = readPid(dir).flatMap(ProcessHandle::of).filter(LocalProcesses::isRunning)
                .filter(p -> LocalProcesses.arguments(p).stream().anyMatch(a -> a.equals(dir.resolve(PROPERTIES_FILE).toString())));
        if (leftover.isEmpty()) {
            deletePid(dir);
            return;
        }
        ProcessHandle p = leftover.get();
        log.warn("Kafka node {} (pid {}) left on {} by a previous owner that died is still stopping: waiting for it", id, p.pid(), dir);
        if (!LocalProcesses.awaitExit(p, STOP_TIMEOUT)) {
            p.destroyForcibly();
            if (!LocalProcesses.awaitExit(p, STOP_TIMEOUT)) {
                throw new EmbeddedStackException("leftover Kafka node " + id + " (pid " + p.pid() + ") could not be stopped");
            }
        }
        deletePid(dir);
    }

    private static Optional<Long> readPid(Path dir) {
        Path f = dir.resolve(PID_FILE);
        try {
            return Files.isRegularFile(f) ? Optional.of(Long.parseLong(Files.readString(f).strip())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void deletePid(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(PID_FILE));
        } catch (IOException ignored) {
            // a stale pid file is checked against the process's command line before it is trusted
        }
    }

    /** Settings of an {@link EmbeddedKafkaCluster}; only the data directory is required. */
    public static final class Builder {
        private final Path dataDir;
        private int size = DEFAULT_SIZE;
        private int numPartitions = 3;
        private Duration startupTimeout = Duration.ofSeconds(90);
        private Duration restartDelay = DEFAULT_RESTART_DELAY;
        private final Map<String, String> overrides = new java.util.LinkedHashMap<>();

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        /** Number of nodes (default 3; at least 3, so that one may be down with the quorum and min.insync.replicas kept). */
        public Builder size(int size) {
            if (size < 3) {
                throw new IllegalArgumentException("a cluster needs at least 3 nodes (one may then be down), was " + size);
            }
            this.size = size;
            return this;
        }

        /** Partitions of a topic created without a count (num.partitions); default 3. */
        public Builder numPartitions(int numPartitions) {
            if (numPartitions < 1) {
                throw new IllegalArgumentException("numPartitions must be >= 1, was " + numPartitions);
            }
            this.numPartitions = numPartitions;
            return this;
        }

        /** How long start() waits for every node to answer; default 90 s (three JVMs start on two cores). */
        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be > 0, was " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** How long after a node died it is started again; default 5 s. */
        public Builder restartDelay(Duration restartDelay) {
            if (restartDelay.isNegative()) {
                throw new IllegalArgumentException("restartDelay must be >= 0, was " + restartDelay);
            }
            this.restartDelay = restartDelay;
            return this;
        }

        /** Any broker property for every node, applied last. */
        public Builder brokerConfig(String name, String value) {
            overrides.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public EmbeddedKafkaCluster build() {
            return new EmbeddedKafkaCluster(this);
        }
    }
}

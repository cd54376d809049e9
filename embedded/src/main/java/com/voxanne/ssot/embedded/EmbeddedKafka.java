package com.voxanne.ssot.embedded;

import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka (KRaft, broker and controller in one node) running in this JVM, on loopback ports.
 *
 * <p>The storage directory is formatted once (a {@code meta.properties} marks it) and reused by every later start on the
 * same directory. {@link #restart()} stops and starts the broker on the same ports and data, for fault tests.
 *
 * <p>With {@link Builder#tls(ServerTls)} every listener (the clients' and the KRaft controller's) speaks TLS only: no
 * plaintext port is open. Clients then need {@link #clientProperties()} (the CA to trust; no secret in it).
 *
 * <p>The broker logs thousands of INFO lines at start under the logger names in {@link #BROKER_LOGGERS}: route those to
 * a file. This class itself logs a few lines under {@code com.voxanne.ssot.embedded}.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Logger names the in-process broker logs under (~2,200 INFO lines at start): send them to a file. */
    public static final List<String> BROKER_LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger");

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final int PORT_ATTEMPTS = 3;

    private final Path dataDir;
    private final boolean temporaryDataDir;
    private final int requestedPort;
    private final int requestedControllerPort;
    private final int numPartitions;
    private final Duration startupTimeout;
    private final Map<String, String> overrides;
    private final ServerTls tls;

    private int port;
    private int controllerPort;
    private boolean startedOnce;
    private KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(Builder b) {
        this.temporaryDataDir = b.dataDir == null;
        this.dataDir = temporaryDataDir ? Directories.createTempDirectory("embedded-kafka-") : b.dataDir.toAbsolutePath();
        this.requestedPort = b.port;
        this.requestedControllerPort = b.controllerPort;
        this.port = b.port;
        this.controllerPort = b.controllerPort;
        this.numPartitions = b.numPartitions;
        this.startupTimeout = b.startupTimeout;
        this.overrides = Map.copyOf(b.overrides);
        this.tls = b.tls;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats {@code dataDir} if it is new, starts the broker on free ports and waits until it answers. */
    public static EmbeddedKafka start(Path dataDir) {
        return builder().dataDir(dataDir).build().start();
    }

    /**
     * Starts the broker (formatting the storage first if it has no {@code meta.properties}) and returns once an Admin
     * client gets an answer to describeCluster. Does nothing if it is running already.
     *
     * @throws EmbeddedStackException if the broker does not answer within the startup timeout
     */
    public synchronized EmbeddedKafka start() {
        if (closed) {
            throw new IllegalStateException("EmbeddedKafka on " + dataDir + " is closed");
        }
        if (server != null) {
            return this;
        }
        long t0 = System.nanoTime();
        boolean mayPickPorts = !startedOnce && (requestedPort == 0 || requestedControllerPort == 0);
        int attempts = mayPickPorts ? PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            if (mayPickPorts) {
                pickPorts(attempt > 1);
            }
            try {
                server = startServer();
                break;
            } catch (EmbeddedStackException e) {
                if (attempt >= attempts || !isBindFailure(e)) {
                    throw e;
                }
                log.warn("Kafka ports {}/{} were taken meanwhile, retrying on other free ports", port, controllerPort);
            }
        }
        startedOnce = true;
        log.info("Kafka broker ready on {} (controller 127.0.0.1:{}, cluster {}, data {}) in {} ms", bootstrapServers(),
                controllerPort, clusterId().orElse("?"), dataDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /** Stops the broker cleanly (its ports and data stay reserved for {@link #start()}). Does nothing if stopped. */
    public synchronized void stop() {
        KafkaRaftServer running = server;
        if (running == null) {
            return;
        }
        server = null;
        long t0 = System.nanoTime();
        running.shutdown();
        running.awaitShutdown();
        log.info("Kafka broker on {} stopped in {} ms", bootstrapServers(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Stops and starts the broker on the SAME ports and data: topics, records and committed offsets survive. */
    public synchronized void restart() {
        stop();
        start();
    }

    /** Stops the broker; deletes the data directory only if it was a temp directory chosen by this class. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            if (temporaryDataDir) {
                Directories.deleteRecursively(dataDir);
            }
        }
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code 127.0.0.1:<port>}; the port is fixed from the first start on. */
    public synchronized String bootstrapServers() {
        requirePortsChosen();
        return LocalPorts.LOOPBACK + ":" + port;
    }

    public synchronized int port() {
        requirePortsChosen();
        return port;
    }

    public synchronized int controllerPort() {
        requirePortsChosen();
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * What a client needs besides {@link #bootstrapServers()}: nothing for a plaintext broker; with TLS,
     * {@code security.protocol=SSL} and the CA certificate as a PEM truststore (no password, no secret). Put each in the
     * pipeline's environment as {@code KAFKA_} + the name in upper snake case.
     */
    public Map<String, String> clientProperties() {
        if (tls == null) {
            return Map.of();
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SSL.name);
        p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, tls.caCertificate().toString());
        return Map.copyOf(p);
    }

    /** The TLS files the listeners use, if TLS is on. */
    public Optional<ServerTls> tls() {
        return Optional.ofNullable(tls);
    }

    /** The cluster id written when the storage was formatted, once it is. */
    public Optional<String> clusterId() {
        return KraftNodeConfig.clusterIdOf(dataDir);
    }

    private void pickPorts(boolean again) {
        if (requestedPort == 0 && (port == 0 || again)) {
            port = LocalPorts.freePort();
        }
        if (requestedControllerPort == 0 && (controllerPort == 0 || again)) {
            do {
                controllerPort = LocalPorts.freePort();
            } while (controllerPort == port);
        }
    }

    private void requirePortsChosen() {
        if (port == 0) {
            throw new IllegalStateException("EmbeddedKafka has no port yet: start() it first");
        }
    }

    private KafkaRaftServer startServer() {
        KraftNodeConfig node = nodeConfig();
        if (clusterId().isEmpty()) {
            node.formatIfNeeded(Uuid.randomUuid().toString());
            log.debug("Formatted Kafka storage in {}", dataDir);
        }
        KafkaRaftServer candidate = new KafkaRaftServer(new KafkaConfig(node.properties(), false), Time.SYSTEM);
        try {
            candidate.startup();
            awaitDescribeCluster();
            return candidate;
        } catch (RuntimeException e) {
            EmbeddedStackException failure = e instanceof EmbeddedStackException ese ? ese
                    : new EmbeddedStackException("Kafka broker failed to start on " + bootstrapServers() + " (data " + dataDir
                            + "); see the logs of logger 'kafka' / 'org.apache.kafka'", e);
            try {
                candidate.shutdown();
                candidate.awaitShutdown();
            } catch (RuntimeException shutdownFailure) {
                failure.addSuppressed(shutdownFailure);
            }
            throw failure;
        }
    }

    private KraftNodeConfig nodeConfig() {
        // one voter: this node
        return new KraftNodeConfig(NODE_ID, NODE_ID + "@" + LocalPorts.LOOPBACK + ":" + controllerPort, port, controllerPort, dataDir,
                numPartitions, 1, tls, overrides);
    }

    private void awaitDescribeCluster() {
        BrokerReadiness.await(bootstrapServers(), clientProperties(), 1, startupTimeout,
                () -> "Kafka broker on " + bootstrapServers() + " (data " + dataDir + ")");
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + (port == 0 ? "not started" : bootstrapServers()) + (tls == null ? "" : " (TLS)") + ", data "
                + dataDir + "]";
    }

    /** Settings of an {@link EmbeddedKafka}; every one has a default. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private int numPartitions = 3;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private ServerTls tls;

        private Builder() {
        }

        /** Storage directory (kept on close); default a temp directory deleted on close. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Client port on 127.0.0.1 (PLAINTEXT, or SSL with {@link #tls}); 0 (default) picks a free one. */
        public Builder port(int port) {
            LocalPorts.requireValid("Kafka port", port);
            this.port = port;
            return this;
        }

        /** Controller (KRaft) port on 127.0.0.1; 0 (default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            LocalPorts.requireValid("Kafka controller port", controllerPort);
            this.controllerPort = controllerPort;
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

        /** How long start() waits for the broker to answer; default 60 s. */
        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be > 0, was " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        /**
         * TLS on every listener with these files (default off: plaintext on loopback). The client listener is then
         * {@code SSL://127.0.0.1:<port>} and nothing else listens in plaintext; clients verify the broker's hostname
         * against the certificate (its subjectAltName must hold 127.0.0.1).
         */
        public Builder tls(ServerTls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** Any broker property, applied last (overrides the defaults of this class). */
        public Builder brokerConfig(String name, String value) {
            overrides.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A stopped broker; call {@link EmbeddedKafka#start()}. */
        public EmbeddedKafka build() {
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException("Kafka port and controller port must differ, both were " + port);
            }
            return new EmbeddedKafka(this);
        }
    }
}

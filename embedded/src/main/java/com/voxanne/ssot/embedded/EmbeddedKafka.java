package com.voxanne.ssot.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.network.SocketServerConfigs;
import org.apache.kafka.server.config.ReplicationConfigs;
import org.apache.kafka.server.config.ServerConfigs;
import org.apache.kafka.server.config.ServerLogConfigs;
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
    private static final String PLAINTEXT_LISTENER = "PLAINTEXT";
    private static final String TLS_LISTENER = "SSL";
    /** Java's name for the PKCS12 store format, and Kafka's for a store of PEM certificates. */
    private static final String PKCS12 = "PKCS12";
    private static final String PEM = "PEM";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String META_PROPERTIES = "meta.properties";
    private static final int PORT_ATTEMPTS = 3;

    // Broker settings whose constants live in runtime-only Kafka modules (raft, coordinators): named once, here.
    private static final String PROCESS_ROLES = "process.roles";
    private static final String NODE_ID_CONFIG = "node.id";
    private static final String QUORUM_VOTERS = "controller.quorum.voters";
    private static final String CONTROLLER_LISTENER_NAMES = "controller.listener.names";
    private static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    private static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    private static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    private static final String TRANSACTIONS_TOPIC_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    private static final String TRANSACTIONS_TOPIC_MIN_ISR = "transaction.state.log.min.isr";
    private static final String TRANSACTIONS_TOPIC_PARTITIONS = "transaction.state.log.num.partitions";
    private static final String SHARE_STATE_TOPIC_REPLICATION_FACTOR = "share.coordinator.state.topic.replication.factor";
    private static final String SHARE_STATE_TOPIC_MIN_ISR = "share.coordinator.state.topic.min.isr";
    private static final String SHARE_STATE_TOPIC_PARTITIONS = "share.coordinator.state.topic.num.partitions";
    private static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    private static final String STREAMS_GROUP_INITIAL_REBALANCE_DELAY_MS = "group.streams.initial.rebalance.delay.ms";
    private static final String CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";

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
        p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, PEM);
        p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, tls.caCertificate().toString());
        return Map.copyOf(p);
    }

    /** The TLS files the listeners use, if TLS is on. */
    public Optional<ServerTls> tls() {
        return Optional.ofNullable(tls);
    }

    /** The cluster id written when the storage was formatted, once it is. */
    public Optional<String> clusterId() {
        Path meta = dataDir.resolve(META_PROPERTIES);
        if (!Files.exists(meta)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + meta, e);
        }
        return Optional.ofNullable(props.getProperty("cluster.id"));
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
        KafkaConfig config = new KafkaConfig(brokerProperties(), false);
        formatIfNeeded(config);
        KafkaRaftServer candidate = new KafkaRaftServer(config, Time.SYSTEM);
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

    private Properties brokerProperties() {
        String host = LocalPorts.LOOPBACK;
        Map<String, String> p = new LinkedHashMap<>();
        p.put(PROCESS_ROLES, "broker,controller");
        p.put(NODE_ID_CONFIG, Integer.toString(NODE_ID));
        // A static one-voter quorum: its endpoint comes from this config, so a later start on other ports still works.
        p.put(QUORUM_VOTERS, NODE_ID + "@" + host + ":" + controllerPort);
        p.put(CONTROLLER_LISTENER_NAMES, CONTROLLER_LISTENER);
        String listener = tls == null ? PLAINTEXT_LISTENER : TLS_LISTENER;
        String protocol = (tls == null ? SecurityProtocol.PLAINTEXT : SecurityProtocol.SSL).name;
        p.put(SocketServerConfigs.LISTENERS_CONFIG,
                listener + "://" + host + ":" + port + "," + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        p.put(SocketServerConfigs.ADVERTISED_LISTENERS_CONFIG, listener + "://" + host + ":" + port);
        p.put(SocketServerConfigs.LISTENER_SECURITY_PROTOCOL_MAP_CONFIG,
                listener + ":" + protocol + "," + CONTROLLER_LISTENER + ":" + protocol);
        p.put(ReplicationConfigs.INTER_BROKER_LISTENER_NAME_CONFIG, listener);
        if (tls != null) {
            // One keystore for both listeners; the broker trusts the same CA for its own connections to itself
            // (inter-broker and controller), verifying the hostname as any client does.
            p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, PKCS12);
            p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, tls.keystore().toString());
            p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, tls.keystorePassword());
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, PEM);
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, tls.caCertificate().toString());
            p.put(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG, "none");
        }
        p.put(ServerLogConfigs.LOG_DIRS_CONFIG, dataDir.toString());
        p.put(ServerLogConfigs.NUM_PARTITIONS_CONFIG, Integer.toString(numPartitions));
        p.put(ServerLogConfigs.AUTO_CREATE_TOPICS_ENABLE_CONFIG, "false");
        p.put(ServerLogConfigs.NUM_RECOVERY_THREADS_PER_DATA_DIR_CONFIG, "1");
        p.put(ReplicationConfigs.DEFAULT_REPLICATION_FACTOR_CONFIG, "1");
        p.put(MIN_INSYNC_REPLICAS, "1");
        p.put(OFFSETS_TOPIC_REPLICATION_FACTOR, "1");
        p.put(OFFSETS_TOPIC_NUM_PARTITIONS, "5");
        p.put(TRANSACTIONS_TOPIC_REPLICATION_FACTOR, "1");
        p.put(TRANSACTIONS_TOPIC_MIN_ISR, "1");
        p.put(TRANSACTIONS_TOPIC_PARTITIONS, "5");
        p.put(SHARE_STATE_TOPIC_REPLICATION_FACTOR, "1");
        p.put(SHARE_STATE_TOPIC_MIN_ISR, "1");
        p.put(SHARE_STATE_TOPIC_PARTITIONS, "5");
        p.put(GROUP_INITIAL_REBALANCE_DELAY_MS, "0");
        p.put(STREAMS_GROUP_INITIAL_REBALANCE_DELAY_MS, "0");
        // Sized for a small machine (2 cores) shared with the services and PostgreSQL.
        p.put(SocketServerConfigs.NUM_NETWORK_THREADS_CONFIG, "2");
        p.put(ServerConfigs.NUM_IO_THREADS_CONFIG, "4");
        p.put(ServerConfigs.BACKGROUND_THREADS_CONFIG, "4");
        p.put(CLEANER_DEDUPE_BUFFER_SIZE, Integer.toString(32 * 1024 * 1024));
        p.putAll(overrides);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    private void formatIfNeeded(KafkaConfig config) {
        if (Files.exists(dataDir.resolve(META_PROPERTIES))) {
            log.debug("Kafka storage in {} is formatted already: reusing it", dataDir);
            return;
        }
        Directories.createDirectories(dataDir);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(out)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setUnstableFeatureVersionsEnabled(false)
                    .setIgnoreFormatted(false)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(config.logDirs())
                    .setHasDynamicQuorum(false)
                    .run();
        } catch (Exception e) {
            throw new EmbeddedStackException("could not format Kafka storage in " + dataDir + ": "
                    + output.toString(StandardCharsets.UTF_8).strip(), e);
        }
        log.debug("Formatted Kafka storage: {}", output.toString(StandardCharsets.UTF_8).strip());
    }

    private void awaitDescribeCluster() {
        Map<String, Object> conf = new LinkedHashMap<>(clientProperties());
        conf.putAll(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 250));
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(conf)) {
            while (System.nanoTime() < deadline) {
                long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    // Each call blocks up to its own timeout (the admin client retries inside): no busy loop.
                    Collection<Node> nodes = admin.describeCluster().nodes().get(Math.min(remainingMs, 5_000), TimeUnit.MILLISECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddedStackException("interrupted while waiting for Kafka on " + bootstrapServers(), e);
                }
            }
        }
        throw new EmbeddedStackException("Kafka broker on " + bootstrapServers() + " (data " + dataDir
                + ") did not answer describeCluster within " + startupTimeout, last);
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

package com.voxanne.ssot.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.network.SocketServerConfigs;
import org.apache.kafka.server.config.ReplicationConfigs;
import org.apache.kafka.server.config.ServerConfigs;
import org.apache.kafka.server.config.ServerLogConfigs;

/**
 * The configuration of one node of the embedded Kafka: broker and KRaft controller in one process, on loopback ports,
 * with a static controller quorum. One place for what {@link EmbeddedKafka} (one node, in this JVM) and
 * {@link EmbeddedKafkaCluster} (three nodes, each its own JVM) share: listeners, replication of the internal topics,
 * sizing for a small machine, and formatting the storage once.
 *
 * @param nodeId         node.id (1, 2, 3, ...)
 * @param voters         controller.quorum.voters, {@code id@host:port,...} of every controller
 * @param port           the clients' listener
 * @param controllerPort the KRaft controller's listener
 * @param dataDir        log.dirs (its meta.properties marks it formatted)
 * @param numPartitions  num.partitions of a topic created without a count
 * @param replication    replication factor of every topic created without one and of the internal topics (offsets,
 *                       transactions, share state): 1 on one node; min.insync.replicas is one less (at least 1), so one
 *                       node may be down while writes with acks=all go on
 * @param tls            TLS files for every listener, or null for plaintext
 * @param overrides      any broker property, applied last
 */
record KraftNodeConfig(int nodeId, String voters, int port, int controllerPort, Path dataDir, int numPartitions,
                       int replication, ServerTls tls, Map<String, String> overrides) {

    static final String PLAINTEXT_LISTENER = "PLAINTEXT";
    static final String TLS_LISTENER = "SSL";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    static final String META_PROPERTIES = "meta.properties";
    /** Java's name for the PKCS12 store format, and Kafka's for a store of PEM certificates. */
    private static final String PKCS12 = "PKCS12";
    private static final String PEM = "PEM";

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

    KraftNodeConfig {
        Objects.requireNonNull(voters, "voters");
        Objects.requireNonNull(dataDir, "dataDir");
        overrides = Map.copyOf(overrides);
        if (replication < 1) {
            throw new IllegalArgumentException("replication must be >= 1, was " + replication);
        }
    }

    /** min.insync.replicas of the topics and of the transaction log: one node may be down. */
    int minInsyncReplicas() {
        return Math.max(1, replication - 1);
    }

    Properties properties() {
        String host = LocalPorts.LOOPBACK;
        Map<String, String> p = new LinkedHashMap<>();
        p.put(PROCESS_ROLES, "broker,controller");
        p.put(NODE_ID_CONFIG, Integer.toString(nodeId));
        // A static quorum: its endpoints come from this config, so a later start on other ports still works.
        p.put(QUORUM_VOTERS, voters);
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
        String rf = Integer.toString(replication);
        String minIsr = Integer.toString(minInsyncReplicas());
        p.put(ServerLogConfigs.LOG_DIRS_CONFIG, dataDir.toString());
        p.put(ServerLogConfigs.NUM_PARTITIONS_CONFIG, Integer.toString(numPartitions));
        p.put(ServerLogConfigs.AUTO_CREATE_TOPICS_ENABLE_CONFIG, "false");
        p.put(ServerLogConfigs.NUM_RECOVERY_THREADS_PER_DATA_DIR_CONFIG, "1");
        p.put(ReplicationConfigs.DEFAULT_REPLICATION_FACTOR_CONFIG, rf);
        p.put(MIN_INSYNC_REPLICAS, minIsr);
        p.put(OFFSETS_TOPIC_REPLICATION_FACTOR, rf);
        p.put(OFFSETS_TOPIC_NUM_PARTITIONS, "5");
        p.put(TRANSACTIONS_TOPIC_REPLICATION_FACTOR, rf);
        p.put(TRANSACTIONS_TOPIC_MIN_ISR, minIsr);
        p.put(TRANSACTIONS_TOPIC_PARTITIONS, "5");
        p.put(SHARE_STATE_TOPIC_REPLICATION_FACTOR, rf);
        p.put(SHARE_STATE_TOPIC_MIN_ISR, minIsr);
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

    /** Formats the storage with {@code clusterId} unless a meta.properties shows it was formatted before. */
    void formatIfNeeded(String clusterId) {
        if (Files.exists(dataDir.resolve(META_PROPERTIES))) {
            return;
        }
        Directories.createDirectories(dataDir);
        KafkaConfig config = new KafkaConfig(properties(), false);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(out)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
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
    }

    /** The cluster id a formatted storage directory holds. */
    static Optional<String> clusterIdOf(Path dataDir) {
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
}

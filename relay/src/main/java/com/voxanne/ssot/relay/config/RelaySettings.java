package com.voxanne.ssot.relay.config;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything the relay needs to know, built once at start from {@code RELAY_*} variables plus the shared
 * settings, and validated with named checks so a bad value stops the start with its name.
 *
 * @param database                 Postgres host/port/db, parsed from DATABASE_URL
 * @param databaseUser             DATABASE_USER (needs REPLICATION and SELECT on the captured tables)
 * @param databasePassword         DATABASE_PASSWORD
 * @param slotName                 RELAY_SLOT_NAME: the logical replication slot (one per relay deployment)
 * @param publication              RELAY_PUBLICATION: created by the migration, never by the relay
 * @param topicPrefix              RELAY_TOPIC_PREFIX: Debezium's logical server name; names the
 *                                 internal topics and metrics, never a topic this relay writes to
 * @param offsetsTopic             RELAY_OFFSETS_TOPIC: where the engine keeps its WAL position
 * @param offsetsReplicationFactor RELAY_OFFSETS_REPLICATION_FACTOR (1 on the embedded default)
 * @param heartbeatInterval        RELAY_HEARTBEAT: how often the slot is advanced on a quiet database
 * @param offsetFlushInterval      RELAY_OFFSET_FLUSH: how often acknowledged positions are committed
 * @param pollInterval             RELAY_POLL_INTERVAL: Debezium's queue poll interval (latency)
 * @param maxBatchSize             RELAY_MAX_BATCH_SIZE: records per batch handed to the Kafka writer
 * @param maxQueueSize             RELAY_MAX_QUEUE_SIZE: records buffered between WAL reader and writer
 * @param sendTimeout              RELAY_SEND_TIMEOUT: how long a batch may wait for Kafka's acknowledgement
 *                                 before the engine restarts (the records are re-read, not skipped)
 * @param startTimeout             RELAY_START_TIMEOUT: how long start() waits for the stream to run
 * @param monitorInterval          RELAY_MONITOR_INTERVAL: how often slot lag and reachability are sampled
 * @param restartBackoff           RELAY_RESTART_BACKOFF_MAX caps the pause between engine restarts
 * @param slotLagAlarmBytes        RELAY_SLOT_LAG_ALARM_BYTES: WAL kept by the slot above which health is DEGRADED
 * @param topics                   where the three streams go
 */
public record RelaySettings(
        PostgresEndpoint database,
        String databaseUser,
        Optional<Secret> databasePassword,
        String slotName,
        String publication,
        String topicPrefix,
        String offsetsTopic,
        short offsetsReplicationFactor,
        Duration heartbeatInterval,
        Duration offsetFlushInterval,
        Duration pollInterval,
        int maxBatchSize,
        int maxQueueSize,
        Duration sendTimeout,
        Duration startTimeout,
        Duration monitorInterval,
        Backoff restartBackoff,
        long slotLagAlarmBytes,
        RoutedTopics topics) {

    public static final String DEFAULT_SLOT_NAME = "ssot_relay";
    public static final String DEFAULT_PUBLICATION = "ssot_relay";
    public static final String DEFAULT_OFFSETS_TOPIC = "ssot.relay.offsets";
    public static final String DEFAULT_TOPIC_PREFIX = "ssot";
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    /** 1 GiB of WAL behind: far beyond a healthy relay's lag (kilobytes), far below a full disk. */
    public static final long DEFAULT_SLOT_LAG_ALARM_BYTES = 1L << 30;

    private static final Pattern SQL_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern TOPIC_PREFIX = Pattern.compile("[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,99}");

    /**
     * The three topics the relay writes, by role.
     *
     * @param numbersProvisioned outbox events (NumberProvisioned), key orgId
     * @param managedNumbers     managed_phone_numbers row changes, key orgId|phone
     * @param orgCredentials     org_credentials row changes, key orgId|phone
     */
    public record RoutedTopics(String numbersProvisioned, String managedNumbers, String orgCredentials) {
        public RoutedTopics {
            Topic.requireLegalName(numbersProvisioned);
            Topic.requireLegalName(managedNumbers);
            Topic.requireLegalName(orgCredentials);
        }

        public static RoutedTopics of(Topics topics) {
            return new RoutedTopics(topics.numbersProvisioned().name(), topics.cdcManagedNumbers().name(),
                    topics.cdcOrgCredentials().name());
        }
    }

    public RelaySettings {
        List<String> problems = new ArrayList<>();
        if (databaseUser == null || databaseUser.isBlank()) {
            problems.add("DATABASE_USER must not be blank");
        }
        if (!SQL_IDENTIFIER.matcher(slotName).matches()) {
            problems.add("RELAY_SLOT_NAME must be 1-63 characters of [a-z0-9_] not starting with a digit, was '" + slotName + "'");
        }
        if (!SQL_IDENTIFIER.matcher(publication).matches()) {
            problems.add("RELAY_PUBLICATION must be a lower-case SQL identifier, was '" + publication + "'");
        }
        if (!TOPIC_PREFIX.matcher(topicPrefix).matches()) {
            problems.add("RELAY_TOPIC_PREFIX must be 1-100 characters of [a-zA-Z0-9._-], was '" + topicPrefix + "'");
        }
        try {
            Topic.requireLegalName(offsetsTopic);
        } catch (IllegalArgumentException e) {
            problems.add("RELAY_OFFSETS_TOPIC: " + e.getMessage());
        }
        if (offsetsReplicationFactor < 1) {
            problems.add("RELAY_OFFSETS_REPLICATION_FACTOR must be >= 1, was " + offsetsReplicationFactor);
        }
        requirePositive(problems, "RELAY_HEARTBEAT", heartbeatInterval);
        if (slotLagAlarmBytes < 1) {
            problems.add("RELAY_SLOT_LAG_ALARM_BYTES must be > 0, was " + slotLagAlarmBytes);
        }
        requirePositive(problems, "RELAY_OFFSET_FLUSH", offsetFlushInterval);
        requirePositive(problems, "RELAY_POLL_INTERVAL", pollInterval);
        requirePositive(problems, "RELAY_SEND_TIMEOUT", sendTimeout);
        requirePositive(problems, "RELAY_START_TIMEOUT", startTimeout);
        requirePositive(problems, "RELAY_MONITOR_INTERVAL", monitorInterval);
        if (sendTimeout.compareTo(Duration.ofSeconds(2)) < 0) {
            problems.add("RELAY_SEND_TIMEOUT must be >= 2s (Kafka needs request.timeout.ms below it), was " + sendTimeout);
        }
        if (maxBatchSize < 1) {
            problems.add("RELAY_MAX_BATCH_SIZE must be >= 1, was " + maxBatchSize);
        }
        if (maxQueueSize <= maxBatchSize) {
            problems.add("RELAY_MAX_QUEUE_SIZE must be > RELAY_MAX_BATCH_SIZE (" + maxBatchSize + "), was " + maxQueueSize);
        }
        if (topics.numbersProvisioned().equals(offsetsTopic) || topics.managedNumbers().equals(offsetsTopic)
                || topics.orgCredentials().equals(offsetsTopic)) {
            problems.add("RELAY_OFFSETS_TOPIC must not be one of the data topics, was '" + offsetsTopic + "'");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
    }

    /** The relay's settings from a service context (what {@code ./ssot run relay} and {@code up} pass). */
    public static RelaySettings from(ServiceContext context) {
        return from(context.source(), context.config(), context.database());
    }

    /**
     * @param source   RELAY_* variables
     * @param config   shared settings (topic names)
     * @param database where Postgres is, already resolved (external or embedded)
     */
    public static RelaySettings from(ConfigSource source, SsotConfig config, DatabaseSettings database) {
        Duration heartbeat = source.getDuration("RELAY_HEARTBEAT", DEFAULT_HEARTBEAT);
        int replication = source.getInt("RELAY_OFFSETS_REPLICATION_FACTOR", 1);
        if (replication < 1 || replication > Short.MAX_VALUE) {
            throw new ConfigException("RELAY_OFFSETS_REPLICATION_FACTOR must be 1.." + Short.MAX_VALUE + ", was " + replication);
        }
        Duration backoffMax = source.getDuration("RELAY_RESTART_BACKOFF_MAX", Duration.ofSeconds(30));
        Backoff backoff;
        try {
            backoff = new Backoff(Duration.ofMillis(Math.min(500, backoffMax.toMillis())), backoffMax, 2.0);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("RELAY_RESTART_BACKOFF_MAX: " + e.getMessage());
        }
        Topics topics;
        try {
            topics = config.topics();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("topic names: " + e.getMessage());
        }
        return new RelaySettings(
                PostgresEndpoint.parse(database.jdbcUrl()),
                database.user(),
                database.password(),
                source.get("RELAY_SLOT_NAME", DEFAULT_SLOT_NAME),
                source.get("RELAY_PUBLICATION", DEFAULT_PUBLICATION),
                source.get("RELAY_TOPIC_PREFIX", DEFAULT_TOPIC_PREFIX),
                source.get("RELAY_OFFSETS_TOPIC", DEFAULT_OFFSETS_TOPIC),
                (short) replication,
                heartbeat,
                source.getDuration("RELAY_OFFSET_FLUSH", Duration.ofSeconds(1)),
                source.getDuration("RELAY_POLL_INTERVAL", Duration.ofMillis(10)),
                source.getInt("RELAY_MAX_BATCH_SIZE", 2048),
                source.getInt("RELAY_MAX_QUEUE_SIZE", 8192),
                source.getDuration("RELAY_SEND_TIMEOUT", Duration.ofSeconds(30)),
                source.getDuration("RELAY_START_TIMEOUT", Duration.ofSeconds(90)),
                source.getDuration("RELAY_MONITOR_INTERVAL", Duration.ofSeconds(5)),
                backoff,
                source.getLong("RELAY_SLOT_LAG_ALARM_BYTES", DEFAULT_SLOT_LAG_ALARM_BYTES),
                RoutedTopics.of(topics));
    }

    private static void requirePositive(List<String> problems, String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            problems.add(name + " must be > 0, was " + value);
        }
    }

    @Override
    public String toString() {
        return "RelaySettings[database=" + database + ", user=" + databaseUser + ", password="
                + databasePassword.map(Secret::toString).orElse("none") + ", slot=" + slotName + ", publication="
                + publication + ", topicPrefix=" + topicPrefix + ", offsetsTopic=" + offsetsTopic + ", topics=" + topics + "]";
    }
}

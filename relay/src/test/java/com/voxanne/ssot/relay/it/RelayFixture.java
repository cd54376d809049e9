package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One relay test's world: its own migrated database, replication slot, offsets topic and data topics on the
 * shared test stack, and relays built the way the CLI builds them (from a {@link ServiceContext}). Closing it
 * stops the relays, drops the slot with {@link RelayService#dropSlot} and drops the database.
 */
final class RelayFixture implements AutoCloseable {
    static final int PARTITIONS = 3;
    private static final AvroSerde<NumberProvisioned> SERDE = AvroSerde.of(NumberProvisioned.class);

    final TestStack stack = TestStack.get();
    final TestDatabase db;
    final String slot;
    final String numbersTopic;
    final String managedTopic;
    final String credentialsTopic;
    final String offsetsTopic;
    /** The registry a deployment's relay has (Prometheus, with the JVM binders), so scrapes can be read back. */
    final PrometheusMeterRegistry registry = Metrics.newRegistry();
    private final Map<String, String> env = new HashMap<>();
    private final List<RelayService> relays = new ArrayList<>();
    /** Whether a slot must exist at the end (false for tests in which the relay never reached Postgres). */
    boolean expectSlot = true;

    RelayFixture(String name, Map<String, String> overrides) {
        db = stack.newDatabase("relay_" + name);
        slot = "slot_" + db.name();
        numbersTopic = stack.uniqueTopic("numbers-provisioned");
        managedTopic = stack.uniqueTopic("cdc-managed");
        credentialsTopic = stack.uniqueTopic("cdc-credentials");
        offsetsTopic = stack.uniqueTopic("relay-offsets");
        for (String topic : List.of(numbersTopic, managedTopic, credentialsTopic)) {
            stack.createTopic(topic, PARTITIONS, Map.of());
        }
        env.put("DATABASE_URL", db.jdbcUrl());
        env.put("DATABASE_USER", db.user());
        env.put("RELAY_SLOT_NAME", slot);
        env.put("RELAY_OFFSETS_TOPIC", offsetsTopic);
        env.put("RELAY_TOPIC_PREFIX", db.name());
        env.put("RELAY_HEARTBEAT", "1s");
        env.put("RELAY_OFFSET_FLUSH", "500ms");
        env.put("RELAY_MONITOR_INTERVAL", "500ms");
        env.put("RELAY_START_TIMEOUT", "60s");
        env.put("TOPIC_NUMBERS_PROVISIONED", numbersTopic);
        env.put("TOPIC_CDC_MANAGED_NUMBERS", managedTopic);
        env.put("TOPIC_CDC_ORG_CREDENTIALS", credentialsTopic);
        env.putAll(overrides);
    }

    RelayFixture(String name) {
        this(name, Map.of());
    }

    /** Where the database is; DATABASE_PASSWORD from the overrides wins (the embedded server trusts local users). */
    DatabaseSettings databaseSettings() {
        return new DatabaseSettings(db.jdbcUrl(), db.user(),
                Optional.ofNullable(env.get("DATABASE_PASSWORD")).map(Secret::of).or(db::password));
    }

    /** A relay built as the CLI builds it; closed with the fixture. */
    RelayService newRelay() {
        return newRelay(stack.bootstrapServers());
    }

    RelayService newRelay(String bootstrapServers) {
        ConfigSource source = ConfigSource.of(env);
        SsotConfig config = SsotConfig.from(source);
        ServiceContext context = new ServiceContext(config, source, new KafkaClients(bootstrapServers, Map.of()),
                databaseSettings(), registry, new HealthRegistry(), config.redactor());
        RelayService relay = RelayService.create(context);
        relays.add(relay);
        return relay;
    }

    RelayService startRelay() throws InterruptedException {
        RelayService relay = newRelay();
        relay.start();
        return relay;
    }

    TopicReader reader(String topic) {
        return new TopicReader(stack, topic);
    }

    /** Inserts {@code count} organisations and returns their ids. */
    List<UUID> insertOrgs(int count) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO organizations (id, name, email) VALUES (?, ?, ?)")) {
            for (int i = 0; i < count; i++) {
                UUID id = UUID.randomUUID();
                ps.setObject(1, id);
                ps.setString(2, "Org " + i);
                ps.setString(3, "org-" + id + "@example.com");
                ps.addBatch();
                ids.add(id);
            }
            ps.executeBatch();
            c.commit();
        }
        return ids;
    }

    /** One outbox event as the provisioner writes it. */
    record OutboxEvent(String orgId, String eventId, byte[] payload) {
    }

    static OutboxEvent event(UUID orgId) {
        String requestId = UUID.randomUUID().toString();
        String eventId = EventIds.forRequest(requestId, "NumberProvisioned");
        String phone = "+1415" + String.format("%07d", Math.floorMod(requestId.hashCode(), 10_000_000));
        NumberProvisioned np = NumberProvisioned.newBuilder()
                .setEventId(eventId)
                .setRequestId(requestId)
                .setOrgId(orgId.toString())
                .setPhoneNumber(phone)
                .setTwilioSid("PN" + UUID.randomUUID().toString().replace("-", ""))
                .setVapiPhoneId("vapi-" + requestId)
                .setProvisionedAt(Instant.now())
                .build();
        return new OutboxEvent(orgId.toString(), eventId, SERDE.serialize("outbox", np));
    }

    /**
     * Writes the events in one transaction the way the provisioner does: insert each outbox row, then delete
     * them, then commit (the table stays empty; the WAL has the inserts).
     */
    void writeOutbox(Connection c, List<OutboxEvent> events) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES (?, 'PhoneNumber', ?, 'NumberProvisioned', ?)");
             PreparedStatement delete = c.prepareStatement("DELETE FROM outbox WHERE id = ANY (?)")) {
            UUID[] ids = new UUID[events.size()];
            for (int i = 0; i < events.size(); i++) {
                OutboxEvent e = events.get(i);
                ids[i] = UUID.fromString(e.eventId());
                insert.setObject(1, ids[i]);
                insert.setString(2, e.orgId());
                insert.setBytes(3, e.payload());
                insert.addBatch();
            }
            insert.executeBatch();
            delete.setArray(1, c.createArrayOf("uuid", ids));
            delete.executeUpdate();
            c.commit();
        }
    }

    void writeOutbox(List<OutboxEvent> events) throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            writeOutbox(c, events);
        }
    }

    /** Runs one statement and commits. */
    void execute(String sql, Object... params) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
            c.commit();
        }
    }

    /** The first column of the first row of a query (null when there is none). */
    Object queryOne(String sql, Object... params) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                Object value = rs.next() ? rs.getObject(1) : null;
                c.rollback();
                return value;
            }
        }
    }

    double relayedCount(String table) {
        var counter = registry.find("ssot.relay.records").tag("table", table).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Live threads that belong to a relay (its own, Debezium's, and its Kafka clients'). */
    static List<String> relayThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("ssot-relay") || n.contains("| ssot-relay") || n.contains("debezium"))
                .toList();
    }

    @Override
    public void close() throws Exception {
        try {
            for (RelayService relay : relays) {
                relay.close();
            }
            // nothing of the relays keeps running: engine, producer, offset store, admin and monitor threads
            await("relay threads gone").atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> assertThat(relayThreads()).as("threads left by the relay").isEmpty());
            boolean dropped = RelayService.dropSlot(databaseSettings(), slot);
            if (expectSlot) {
                assertThat(dropped).as("the relay's slot %s existed and was dropped", slot).isTrue();
            }
            assertThat(stack.replicationSlots(db.name())).as("slots left in %s", db.name()).isEmpty();
        } finally {
            registry.close();
            db.close();
        }
    }
}

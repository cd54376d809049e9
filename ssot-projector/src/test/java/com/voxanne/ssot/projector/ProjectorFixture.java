package com.voxanne.ssot.projector;

import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One test's world on the shared test stack: a fresh migrated database, its own event topic (+ DLQ), a
 * producer acting as the relay, and helpers to make organisations and events and to read org_credentials.
 */
public final class ProjectorFixture implements AutoCloseable {
    private static final AtomicLong PHONE_SEQUENCE = new AtomicLong(ThreadLocalRandom.current().nextInt(1_000_000));

    public final TestStack stack = TestStack.get();
    public final TestDatabase db;
    public final String topic;
    public final KafkaClients kafka;
    public final AvroSerde<NumberProvisioned> serde = AvroSerde.of(NumberProvisioned.class);
    private static final AvroSerde<NumberReleased> RELEASED = AvroSerde.of(NumberReleased.class);
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<AutoCloseable> started = new ArrayList<>();

    public ProjectorFixture(String name, int partitions) {
        db = stack.newDatabase(name);
        topic = stack.uniqueTopic("numbers-provisioned");
        stack.createTopic(topic, partitions, Map.of());
        stack.createTopic(topic + ".dlq", 1, Map.of());
        kafka = new KafkaClients(stack.bootstrapServers(), Map.of());
        var props = stack.producerProps();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public Topic<String, NumberProvisioned> typedTopic() {
        return new Topic<>(topic, Serdes.String(), serde);
    }

    /** Fast retries so outage tests recover quickly; a group of its own. */
    public ProjectorSettings settings() {
        return ProjectorSettings.from(ConfigSource.of(Map.of("PROJECTOR_DB_CONNECT_TIMEOUT", "1s")))
                .withGroupId(topic + "-projector")
                .withRetry(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0));
    }

    /** A projector with its own pool, as deployed (short connection timeout, closed with the service). */
    public ProjectorService newProjector(ProjectorSettings settings, MeterRegistry registry) {
        ProjectorService service = ProjectorService.withOwnPool(settings, typedTopic(), kafka,
                new DatabaseSettings(db.jdbcUrl(), db.user(), db.password()), registry, Redactor.none());
        started.add(service);
        return service;
    }

    public ProjectorService startProjector(ProjectorSettings settings, MeterRegistry registry) throws Exception {
        ProjectorService service = newProjector(settings, registry);
        service.start();
        return service;
    }

    public ProjectorService startProjector(MeterRegistry registry) throws Exception {
        return startProjector(settings(), registry);
    }

    public ProjectorService startProjector() throws Exception {
        return startProjector(new SimpleMeterRegistry());
    }

    public UUID newOrg() throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO organizations (id, name, email) VALUES (?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setString(2, "Org " + id);
            ps.setString(3, id + "@test.example");
            ps.executeUpdate();
            c.commit();
        }
        return id;
    }

    public static String newPhone() {
        return "+1415" + String.format("%07d", PHONE_SEQUENCE.incrementAndGet() % 10_000_000);
    }

    public static String newTwilioSid() {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return "PN" + HexFormat.of().formatHex(bytes);
    }

    public static NumberProvisioned event(UUID org, String phone, Instant provisionedAt) {
        String requestId = "req-" + UUID.randomUUID();
        return NumberProvisioned.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setRequestId(requestId)
                .setOrgId(org.toString())
                .setPhoneNumber(phone)
                .setTwilioSid(newTwilioSid())
                .setVapiPhoneId("vapi-" + UUID.randomUUID())
                .setProvisionedAt(provisionedAt)
                .build();
    }

    /** Sends as the relay would (key orgId) and waits until the broker has them all. */
    public void send(List<NumberProvisioned> events) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
        for (NumberProvisioned e : events) {
            acks.add(producer.send(new ProducerRecord<>(topic, e.getOrgId().getBytes(StandardCharsets.UTF_8),
                    serde.serialize(topic, e))));
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get();
        }
    }

    public void send(NumberProvisioned... events) throws Exception {
        send(List.of(events));
    }

    /** Sends with an explicit record timestamp (for replays since a time). */
    public void sendAt(long timestamp, List<NumberProvisioned> events) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
        for (NumberProvisioned e : events) {
            acks.add(producer.send(new ProducerRecord<>(topic, null, timestamp, e.getOrgId().getBytes(StandardCharsets.UTF_8),
                    serde.serialize(topic, e))));
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get();
        }
    }

    /** A NumberReleased of {@code provisioned}'s number, {@code releasedAt}, as the relay would put it on the event log. */
    public static NumberReleased released(NumberProvisioned provisioned, Instant releasedAt) {
        return NumberReleased.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setRequestId("rel-" + UUID.randomUUID())
                .setOrgId(provisioned.getOrgId())
                .setPhoneNumber(provisioned.getPhoneNumber())
                .setTwilioSid(provisioned.getTwilioSid())
                .setVapiPhoneId(provisioned.getVapiPhoneId())
                .setReleasedAt(releasedAt)
                .build();
    }

    /** Sends releases on the event log (key orgId) and waits until the broker has them all. */
    public void sendReleased(NumberReleased... events) throws Exception {
        for (NumberReleased e : events) {
            producer.send(new ProducerRecord<>(topic, e.getOrgId().getBytes(StandardCharsets.UTF_8),
                    RELEASED.serialize(topic, e))).get();
        }
    }

    public void sendRaw(String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    /** Every org_credentials row by "orgId|phone", in full. */
    public Map<String, SsotRecord> rows() throws SQLException {
        Map<String, SsotRecord> rows = new LinkedHashMap<>();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed, last_event_id, version,
                            created_at, updated_at
                       FROM org_credentials ORDER BY org_id, phone_number""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                SsotRecord r = new SsotRecord(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getBoolean(6), rs.getObject(7, UUID.class), rs.getLong(8),
                        rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant());
                rows.put(r.orgId() + "|" + r.phoneNumber(), r);
            }
            c.rollback();
        }
        return rows;
    }

    public int rowCount() throws SQLException {
        return (int) scalar("SELECT count(*) FROM org_credentials");
    }

    public long scalar(String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            long v = rs.getLong(1);
            c.rollback();
            return v;
        }
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.execute();
            c.commit();
        }
    }

    public void awaitRowCount(int expected, Duration within) {
        await("org_credentials has " + expected + " rows").atMost(within).pollInterval(Duration.ofMillis(50))
                .until(this::rowCount, n -> n == expected);
    }

    public List<ConsumerRecord<byte[], byte[]>> deadLetters(int expected) {
        return stack.consumeAll(topic + ".dlq", expected, Duration.ofSeconds(30));
    }

    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                failure = e;
            }
        }
        producer.close(Duration.ofSeconds(10));
        db.close();
        if (failure != null) {
            throw failure;
        }
    }

    /** One org_credentials row, every column but the identity id. */
    public record SsotRecord(UUID orgId, String provider, String phoneNumber, String vapiPhoneId, String twilioSid,
                             boolean isManaged, UUID lastEventId, long version, Instant createdAt, Instant updatedAt) {
        /** The columns the events determine (timestamps are when the row was written). */
        public SsotRecord content() {
            return new SsotRecord(orgId, provider, phoneNumber, vapiPhoneId, twilioSid, isManaged, lastEventId, version,
                    null, null);
        }
    }
}

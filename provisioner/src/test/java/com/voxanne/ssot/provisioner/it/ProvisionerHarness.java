package com.voxanne.ssot.provisioner.it;

import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.sim.SimulatedProviders;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
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
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One isolated provisioning world for an integration test: a fresh migrated database and its own topics on the shared
 * REAL broker and PostgreSQL, the simulated Twilio and Vapi over real HTTP, and provisioner instances built exactly as
 * the CLI builds them (ServiceContext). Closes everything it opened.
 */
final class ProvisionerHarness implements AutoCloseable {
    static final Duration HTTP_TIMEOUT = Duration.ofMillis(1500);
    private static final AvroSerde<ProvisionNumberRequest> REQUESTS = AvroSerde.of(ProvisionNumberRequest.class);
    private static final AvroSerde<ProvisioningResult> RESULTS = AvroSerde.of(ProvisioningResult.class);
    private static final AvroSerde<ReleaseNumberRequest> RELEASES = AvroSerde.of(ReleaseNumberRequest.class);

    final TestStack stack = TestStack.get();
    final TestDatabase db;
    final SimulatedProviders providers;
    final String requestsTopic;
    final String resultsTopic;
    final String groupId;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final List<ProvisionerService> services = new ArrayList<>();
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> resultConsumer;
    private final List<ProvisioningResult> results = new ArrayList<>();
    private WalCapture wal;
    private final List<String> walSeen = new ArrayList<>();
    private MeterRegistry lastMetrics;

    ProvisionerHarness(String name, Map<String, String> overrides) {
        db = stack.newDatabase("prov_" + name);
        providers = SimulatedProviders.start();
        requestsTopic = stack.uniqueTopic("requests-" + name);
        resultsTopic = stack.uniqueTopic("results-" + name);
        groupId = "provisioner-" + stack.uniqueTopic(name);
        stack.createTopic(requestsTopic, 3, Map.of());
        stack.createTopic(requestsTopic + ".dlq", 1, Map.of());
        stack.createTopic(resultsTopic, 3, Map.of());

        settings.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        settings.put("DATABASE_URL", db.jdbcUrl());
        settings.put("DATABASE_USER", db.user());
        db.password().ifPresent(p -> settings.put("DATABASE_PASSWORD", p.reveal()));
        settings.put("TOPIC_PROVISIONING_REQUESTS", requestsTopic);
        settings.put("TOPIC_PROVISIONING_RESULTS", resultsTopic);
        settings.put("PROVISIONER_GROUP_ID", groupId);
        settings.put("PROVISIONER_WORKERS", "8");
        settings.put("PROVISIONER_LEASE", "4s");
        settings.put("PROVISIONER_HTTP_TIMEOUT", HTTP_TIMEOUT.toMillis() + "ms");
        settings.put("PROVISIONER_RETRY_INITIAL", "50ms");
        settings.put("PROVISIONER_RETRY_MAX", "400ms");
        settings.put("PROVISIONER_POLL_INTERVAL", "100ms");
        settings.put("PROVISIONER_CIRCUIT_PROBE_INTERVAL", "300ms");
        settings.putAll(providers.configuration());
        settings.putAll(overrides);

        producer = new KafkaProducer<>(stack.producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
        resultConsumer = new KafkaConsumer<>(stack.consumerProps("results-reader-" + UUID.randomUUID()), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = List.of(new TopicPartition(resultsTopic, 0), new TopicPartition(resultsTopic, 1),
                new TopicPartition(resultsTopic, 2));
        resultConsumer.assign(partitions);
        resultConsumer.seekToBeginning(partitions);
    }

    ServiceContext context() {
        ConfigSource source = ConfigSource.of(settings);
        SsotConfig config = SsotConfig.from(source);
        lastMetrics = new SimpleMeterRegistry();
        return new ServiceContext(config, source, new KafkaClients(stack.bootstrapServers(), config.kafkaClientProperties()),
                new DatabaseSettings(db.jdbcUrl(), db.user(), db.password()), lastMetrics, new HealthRegistry(),
                config.redactor());
    }

    /** The meter registry of the last instance started. */
    MeterRegistry metrics() {
        return lastMetrics;
    }

    /** A provisioner built from configuration alone, as {@code ./ssot up} builds it. */
    ProvisionerService startFromConfig() throws Exception {
        return started(ProvisionerService.create(context()));
    }

    /** A provisioner whose sagas report to {@code listener} (the crash seam). */
    ProvisionerService start(SagaStepListener listener) throws Exception {
        return started(ProvisionerService.create(context(), providers.vendor(HTTP_TIMEOUT), providers.directory(HTTP_TIMEOUT), listener));
    }

    ProvisionerService start(ServiceContext context) throws Exception {
        return start(context, SagaStepListener.NONE);
    }

    /** A provisioner on this context (e.g. one tracing into a test's SDK) whose sagas report to {@code listener}. */
    ProvisionerService start(ServiceContext context, SagaStepListener listener) throws Exception {
        return started(ProvisionerService.create(context, providers.vendor(HTTP_TIMEOUT), providers.directory(HTTP_TIMEOUT),
                listener));
    }

    private ProvisionerService started(ProvisionerService service) throws Exception {
        services.add(service);
        service.start();
        return service;
    }

    // ------------------------------------------------------------------ data

    String createOrg(String name) {
        String id = UUID.randomUUID().toString();
        sql("INSERT INTO organizations (id, name, email) VALUES ('" + id + "'::uuid, '" + name + "', '" + id + "@example.com')");
        return id;
    }

    static ProvisionNumberRequest request(String requestId, String orgId, String areaCode) {
        return ProvisionNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "ProvisionNumberRequest"))
                .setRequestId(requestId)
                .setOrgId(orgId)
                .setCountryCode("US")
                .setAreaCode(areaCode)
                .setFriendlyName(null)
                .setRequestedAt(Instant.now())
                .build();
    }

    String publish(String orgId, String areaCode) {
        String requestId = "req-" + UUID.randomUUID();
        publish(request(requestId, orgId, areaCode));
        return requestId;
    }

    void publish(ProvisionNumberRequest request) {
        publishRaw(request.getOrgId(), REQUESTS.serialize(requestsTopic, request));
    }

    static ReleaseNumberRequest releaseRequest(String requestId, String orgId, String phoneNumber, String reason) {
        return ReleaseNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "ReleaseNumberRequest"))
                .setRequestId(requestId)
                .setOrgId(orgId)
                .setPhoneNumber(phoneNumber)
                .setReason(reason)
                .setRequestedAt(Instant.now())
                .build();
    }

    /** Publishes a release of {@code phoneNumber} on the requests topic, as an upstream would; returns its requestId. */
    String publishRelease(String orgId, String phoneNumber) {
        String requestId = "rel-" + UUID.randomUUID();
        publish(releaseRequest(requestId, orgId, phoneNumber, "test release"));
        return requestId;
    }

    void publish(ReleaseNumberRequest request) {
        publishRaw(request.getOrgId(), RELEASES.serialize(requestsTopic, request));
    }

    /** Vapi's imported numbers (sorted). */
    List<String> vapiNumbers() {
        return providers.vapi().importedNumbers().stream().map(n -> n.number()).sorted().toList();
    }

    void publishRaw(String key, byte[] value) {
        publishRaw(key, value, Map.of());
    }

    /** Publishes a request with these record headers (e.g. {@code traceparent}), as an upstream would. */
    void publish(ProvisionNumberRequest request, Map<String, String> headers) {
        publishRaw(request.getOrgId(), REQUESTS.serialize(requestsTopic, request), headers);
    }

    private void publishRaw(String key, byte[] value, Map<String, String> headers) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(requestsTopic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value);
        headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not publish a request", e);
        }
    }

    // ------------------------------------------------------------------ observations

    /** Every result read so far plus whatever arrives now. */
    synchronized List<ProvisioningResult> results() {
        for (ConsumerRecord<byte[], byte[]> r : resultConsumer.poll(Duration.ofMillis(100))) {
            results.add(RESULTS.deserialize(resultsTopic, r.value()));
        }
        return List.copyOf(results);
    }

    /** Waits until each request has a result; returns the first result of each of them. */
    Map<String, ProvisioningResult> awaitResults(Collection<String> requestIds, Duration timeout) {
        await("results of " + requestIds.size() + " requests").atMost(timeout).pollInSameThread().pollInterval(Duration.ofMillis(50))
                .until(() -> results().stream().map(ProvisioningResult::getRequestId).collect(Collectors.toSet()).containsAll(requestIds));
        Map<String, ProvisioningResult> first = new HashMap<>();
        for (ProvisioningResult r : results()) {
            if (requestIds.contains(r.getRequestId())) {
                first.putIfAbsent(r.getRequestId(), r);
            }
        }
        return first;
    }

    ProvisioningResult awaitResult(String requestId) {
        return awaitResults(List.of(requestId), Duration.ofSeconds(60)).get(requestId);
    }

    List<ConsumerRecord<byte[], byte[]>> deadLetters(int expected) {
        return stack.consumeAll(requestsTopic + ".dlq", expected, Duration.ofSeconds(60));
    }

    long count(String query) {
        return queryLong(query);
    }

    long managedRows() {
        return queryLong("SELECT count(*) FROM managed_phone_numbers WHERE status = 'active'");
    }

    /** The trace context stored with the saga (migration V8), or null. */
    String sagaTraceparent(String requestId) {
        return queryString("SELECT traceparent FROM provisioning_requests WHERE request_id = '" + requestId + "'");
    }

    String sagaState(String requestId) {
        return queryString("SELECT state FROM provisioning_requests WHERE request_id = '" + requestId + "'");
    }

    /** Active managed numbers, as E.164 strings. */
    List<String> managedNumbers() {
        List<String> out = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT phone_number FROM managed_phone_numbers WHERE status = 'active' ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            c.rollback();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Twilio's owned numbers (sorted): must equal {@link #managedNumbers()} when no saga is in flight. */
    List<String> twilioNumbers() {
        return providers.twilio().ownedNumbers().stream().map(n -> n.phoneNumber()).sorted().toList();
    }

    // ------------------------------------------------------------------ WAL: what the relay would see

    /** Starts recording the WAL of the test database with a test_decoding logical slot. */
    void startWalCapture() {
        wal = new WalCapture(db.dataSource());
    }

    /** How many INSERTs into public.outbox carry this eventId in the captured WAL. */
    int outboxInsertsInWal(String eventId) {
        walSeen.addAll(wal.next());
        return walSeen.stream()
                .filter(l -> l.startsWith("table public.outbox: INSERT:") && l.contains(eventId))
                .toList().size();
    }

    // ------------------------------------------------------------------ sql helpers

    void sql(String statement) {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(statement, e);
        }
    }

    private long queryLong(String query) {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            long v = rs.getLong(1);
            c.rollback();
            return v;
        } catch (SQLException e) {
            throw new IllegalStateException(query, e);
        }
    }

    private String queryString(String query) {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            String v = rs.next() ? rs.getString(1) : null;
            c.rollback();
            return v;
        } catch (SQLException e) {
            throw new IllegalStateException(query, e);
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (ProvisionerService s : services) {
            s.close();
        }
        try {
            if (wal != null) {
                wal.close();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        producer.close(Duration.ofSeconds(5));
        resultConsumer.close(Duration.ofSeconds(5));
        providers.close();
        db.close();
        if (failure != null) {
            throw failure;
        }
    }
}

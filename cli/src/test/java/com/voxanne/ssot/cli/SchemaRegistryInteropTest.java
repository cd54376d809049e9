package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline speaks the Kafka ecosystem's wire format against a real schema registry (the embedded Apicurio): every
 * value it writes is Confluent-framed with an id the registry resolves, a registry-aware client that is not our code
 * (Apicurio's own serde, and plain HTTP + Avro) reads and writes our topics, old single-object records still decode, an
 * incompatible schema stops setup, and a registry that stops mid-run delays records, never drops them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchemaRegistryInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path dataDir;

    private TestPipeline tp;
    private Topics topics;
    private String registry;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> requestIds = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        tp = TestPipeline.start("registry", dataDir, Map.of("SSOT_GRACE", "2s"));
        DemoSeed.apply(tp.db.dataSource());
        topics = tp.pipeline.context().config().topics();
        registry = TestStack.get().schemaRegistryUrl();
    }

    @AfterAll
    void stop() throws Exception {
        TestStack.get().startSchemaRegistry(); // a failed test must not leave it stopped for the next class
        if (tp != null) {
            tp.close();
        }
    }

    @Test
    @Order(1)
    void shouldRegisterEverySubjectAtTheBuildGatesLevelAndFrameEveryValueWithAnIdTheRegistryResolves() throws Exception {
        // given a provision, its SSOT row lost afterwards (so a violation is written too)
        String requestId = publishWithOurSerde(DemoSeed.VOXANNE_ID.toString());
        String number = awaitSucceeded(requestId);
        await().atMost(WAIT).until(() -> ssotRows(DemoSeed.VOXANNE_ID, number) == 1);
        execute("DELETE FROM org_credentials WHERE org_id = ? AND phone_number = ?", DemoSeed.VOXANNE_ID, number);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> !values(topics.violations().name()).isEmpty());

        // then: the registry knows a subject per Avro topic, each at FULL_TRANSITIVE
        List<String> subjects = new ArrayList<>();
        get("/subjects").forEach(s -> subjects.add(s.asText()));
        for (Topic<?, ?> topic : topics.avroTopics().values()) {
            assertThat(subjects).contains(topic.name() + "-value");
            assertThat(get("/config/" + topic.name() + "-value").path("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
        }
        // and every value on every Avro topic is 00 + an id that resolves, decodable with nothing but the registry's schema
        for (Topic<?, ?> topic : topics.avroTopics().values()) {
            List<byte[]> values = values(topic.name());
            assertThat(values).as(topic.name()).isNotEmpty();
            for (byte[] value : values) {
                assertThat(value[0]).as("first byte on " + topic.name()).isEqualTo((byte) 0);
                GenericRecord decoded = decodeThroughRegistry(value);
                assertThat(decoded.getSchema().getFullName()).isEqualTo(((AvroSerde<?>) topic.valueSerde()).schema().getFullName());
                assertThat(decoded.get("orgId")).hasToString(DemoSeed.VOXANNE_ID.toString());
            }
        }
    }

    @Test
    @Order(2)
    void shouldBeReadableByTheRegistrysOwnDeserializerAndAcceptAnExternalProducersEvolvedSchema() throws Exception {
        // given an upstream service with Apicurio's serializer and a schema of its own: ours plus an optional field
        Schema evolved = withOptionalField(ProvisionNumberRequest.getClassSchema(), "campaign");
        GenericRecord request = new GenericData.Record(evolved);
        String requestId = "ext-" + UUID.randomUUID();
        request.put("eventId", UUID.nameUUIDFromBytes(requestId.getBytes(StandardCharsets.UTF_8)).toString());
        request.put("requestId", requestId);
        request.put("orgId", DemoSeed.VOXANNE_ID.toString());
        request.put("countryCode", "US");
        request.put("areaCode", "415");
        request.put("requestedAt", Instant.now().toEpochMilli());
        request.put("campaign", "spring");
        try (AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>();
             KafkaProducer<String, byte[]> producer = producer()) {
            serializer.configure(apicurioConfig(), false);
            byte[] value = serializer.serialize(topics.provisioningRequests().name(), request);
            assertThat(value[0]).isEqualTo((byte) 0);
            producer.send(new ProducerRecord<>(topics.provisioningRequests().name(), DemoSeed.VOXANNE_ID.toString(), value)).get();
        }

        // then the provisioner accepts it, and the registry now holds that evolution as a newer version of the subject
        awaitSucceeded(requestId);
        assertThat(get("/subjects/" + topics.provisioningRequests().name() + "-value/versions").size()).isGreaterThanOrEqualTo(2);

        // and Apicurio's own deserializer reads what we wrote: results and events
        try (AvroKafkaDeserializer<GenericRecord> deserializer = new AvroKafkaDeserializer<>()) {
            deserializer.configure(apicurioConfig(), false);
            List<String> resultIds = new ArrayList<>();
            for (byte[] value : values(topics.provisioningResults().name())) {
                resultIds.add(deserializer.deserialize(topics.provisioningResults().name(), value).get("requestId").toString());
            }
            assertThat(resultIds).contains(requestId);
            for (byte[] value : values(topics.numbersProvisioned().name())) {
                assertThat(deserializer.deserialize(topics.numbersProvisioned().name(), value).get("phoneNumber").toString()).startsWith("+1");
            }
        }
    }

    @Test
    @Order(3)
    void shouldStillProjectAnEventInTheOldSingleObjectEncoding() throws Exception {
        // given an event written before the upgrade (C3 01 + fingerprint), for a number nobody else writes
        String number = "+1415555" + String.format("%04d", (int) (Math.random() * 10_000));
        NumberProvisioned old = NumberProvisioned.newBuilder().setEventId(UUID.randomUUID().toString()).setRequestId("old-" + UUID.randomUUID())
                .setOrgId(DemoSeed.VOXANNE_ID.toString()).setPhoneNumber(number).setTwilioSid("PN" + "a".repeat(32))
                .setVapiPhoneId("vapi-" + UUID.randomUUID()).setProvisionedAt(Instant.now()).build();
        byte[] bytes = AvroSerde.of(NumberProvisioned.class).serialize(topics.numbersProvisioned().name(), old);
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(topics.numbersProvisioned().name(), DemoSeed.VOXANNE_ID.toString(), bytes)).get();
        }

        // then
        await().atMost(WAIT).until(() -> ssotRows(DemoSeed.VOXANNE_ID, number) == 1);
    }

    @Test
    @Order(4)
    void shouldDelayNotDropRecordsWhileTheRegistryIsDown() throws Exception {
        // given a schema id the pipeline has never seen (registered by another producer), and then the registry stopped
        Schema evolved = withOptionalField(ProvisionNumberRequest.getClassSchema(), "channel");
        int newId = registerDirectly(topics.provisioningRequests().name() + "-value", evolved, "FULL_TRANSITIVE");
        int dlqBefore = dlqCount(topics.provisioningRequests().name());
        TestStack.get().stopSchemaRegistry();

        // when a request arrives with ids the pipeline already knows, it goes through
        awaitSucceeded(publishWithOurSerde(DemoSeed.VOXANNE_ID.toString()));

        // and one with the new id waits (it is not dead-lettered) until the registry is back
        String unseen = "unseen-" + UUID.randomUUID();
        byte[] framed = reframe(ourRequestBytes(unseen, evolved), newId);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(topics.provisioningRequests().name(), DemoSeed.VOXANNE_ID.toString(), framed)).get();
        }
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> resultFor(unseen) == null);
        assertThat(dlqCount(topics.provisioningRequests().name())).isEqualTo(dlqBefore);
        TestStack.get().startSchemaRegistry();
        awaitSucceeded(unseen);
        assertThat(dlqCount(topics.provisioningRequests().name())).isEqualTo(dlqBefore);
    }

    @Test
    @Order(5)
    void shouldStopSetupWithTheRegistrysMessageWhenASubjectHoldsAnIncompatibleSchema() throws Exception {
        // given a subject another team filled with an incompatible schema of our record name
        String suffix = TestPipeline.suffix("clash");
        try (TestDatabase db = TestStack.get().newDatabase("clash")) {
            Map<String, String> env = new HashMap<>(TestPipeline.environment(db, suffix, dataDir.resolve("clash")));
            env.put("SCHEMA_REGISTRY_URL", registry);
            String subject = env.get("TOPIC_PROVISIONING_REQUESTS") + "-value";
            Schema clash = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"ProvisionNumberRequest\","
                    + "\"namespace\":\"com.voxanne.ssot.schemas.avro\",\"fields\":[{\"name\":\"requestId\",\"type\":\"long\"}]}");
            registerDirectly(subject, clash, null); // a new subject: the registry's default rule (none) applies

            // then
            assertThatThrownBy(() -> Pipeline.setup(ConfigSource.of(env), line -> { }))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(subject)
                    .hasMessageContaining("HTTP 409");
        }
    }

    // --- helpers ---

    private String publishWithOurSerde(String orgId) throws Exception {
        String requestId = "req-" + UUID.randomUUID();
        ProvisionNumberRequest request = ProvisionNumberRequest.newBuilder().setEventId(UUID.randomUUID().toString())
                .setRequestId(requestId).setOrgId(orgId).setAreaCode("415").setRequestedAt(Instant.now()).build();
        Topic<String, ProvisionNumberRequest> topic = topics.provisioningRequests();
        try (KafkaProducer<String, ProvisionNumberRequest> producer = new KafkaProducer<>(TestStack.get().producerProps(),
                new StringSerializer(), topic.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), orgId, request)).get();
        }
        requestIds.add(requestId);
        return requestId;
    }

    private byte[] ourRequestBytes(String requestId, Schema writer) throws IOException {
        GenericRecord request = new GenericData.Record(writer);
        request.put("eventId", UUID.randomUUID().toString());
        request.put("requestId", requestId);
        request.put("orgId", DemoSeed.VOXANNE_ID.toString());
        request.put("countryCode", "US");
        request.put("areaCode", "415");
        request.put("requestedAt", Instant.now().toEpochMilli());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[5]);
        var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(writer).write(request, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static byte[] reframe(byte[] bytes, int id) {
        ByteBuffer.wrap(bytes, 1, 4).putInt(id);
        return bytes;
    }

    private String awaitSucceeded(String requestId) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> resultFor(requestId) != null);
        ProvisioningResult result = resultFor(requestId);
        assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(ProvisioningStatus.SUCCEEDED);
        return result.getPhoneNumber();
    }

    /** Through our serde (ids already seen work without the registry: the outage test reads results during one). */
    private ProvisioningResult resultFor(String requestId) {
        for (byte[] value : values(topics.provisioningResults().name())) {
            ProvisioningResult result = topics.provisioningResults().valueSerde().deserializer()
                    .deserialize(topics.provisioningResults().name(), value);
            if (requestId.equals(result.getRequestId())) {
                return result;
            }
        }
        return null;
    }

    /** Independent of our serde: 00 + id -> GET /schemas/ids/{id} -> a plain Avro reader on that schema. */
    private GenericRecord decodeThroughRegistry(byte[] value) throws IOException, InterruptedException {
        assertThat(value[0]).isEqualTo((byte) 0);
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        Schema writer = new Schema.Parser().parse(get("/schemas/ids/" + id).path("schema").asText());
        return new GenericDatumReader<GenericRecord>(writer).read(null,
                DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
    }

    private List<byte[]> values(String topic) {
        List<byte[]> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TestStack.get().consumeAll(topic, 0, Duration.ofSeconds(3))) {
            if (r.value() != null) {
                out.add(r.value());
            }
        }
        return out;
    }

    private int dlqCount(String topic) {
        return TestStack.get().consumeAll(Topic.dlqOf(topic), 0, Duration.ofSeconds(2)).size();
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(registry + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET " + path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Registers as another team would, under compatibility {@code level} (set on the subject first, unless null). */
    private int registerDirectly(String subject, Schema schema, String level) throws IOException, InterruptedException {
        if (level != null) {
            setLevel(subject, level);
        }
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(registry + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("id").asInt();
    }

    private void setLevel(String subject, String level) throws IOException, InterruptedException {
        HttpResponse<String> config = http.send(HttpRequest.newBuilder(URI.create(registry + "/config/" + subject))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
    }

    private Map<String, Object> apicurioConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.url", registry.replace("/apis/ccompat/v7", "/apis/registry/v3"));
        config.put("apicurio.registry.auto-register", "true");
        return config;
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties props = TestStack.get().producerProps();
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static Schema withOptionalField(Schema schema, String name) {
        String json = schema.toString();
        int end = json.lastIndexOf(']');
        return new Schema.Parser().parse(json.substring(0, end) + ",{\"name\":\"" + name
                + "\",\"type\":[\"null\",\"string\"],\"default\":null}" + json.substring(end));
    }

    private int ssotRows(UUID org, String number) throws SQLException {
        try (Connection c = tp.db.dataSource().getConnection();
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM org_credentials WHERE org_id = ? AND phone_number = ?")) {
            st.setObject(1, org);
            st.setString(2, number);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void execute(String sql, UUID org, String number) throws SQLException {
        try (Connection c = tp.db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setObject(1, org);
            st.setString(2, number);
            st.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }
}

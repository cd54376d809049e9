package com.voxanne.ssot.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.cli.Ssot;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import com.voxanne.ssot.schemas.avro.ViolationState;
import com.voxanne.ssot.testkit.TestStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./ssot tail} against the real broker: known records published to topics of a deployment of the test's own
 * (its own TOPIC_* names), the command run as {@code ./ssot} runs it (picocli, the CLI's error handling, the settings
 * from a config source instead of the process environment), and every line it prints parsed as JSON.
 */
class TailCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Instant REQUESTED_AT = Instant.parse("2026-12-01T10:15:30.123Z");
    private static final long RECORD_TIMESTAMP = Instant.parse("2026-12-01T10:15:31.456Z").toEpochMilli();

    @TempDir
    Path dataDir;

    private Map<String, String> env;
    private Topics topics;
    private KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Runnable> stopFollow = new AtomicReference<>();

    @BeforeEach
    void aDeploymentOfItsOwn() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", TestStack.get().bootstrapServers());
        env.put("SSOT_DATA_DIR", dataDir.toString());
        Topics.ids().forEach(id -> env.put(Topics.envVarName(id), Topics.DEFAULT_NAMES.get(id) + ".tail-" + suffix));
        topics = SsotConfig.from(ConfigSource.of(env)).topics(); // the registry the command gets: same names, same serdes
        Properties props = TestStack.get().producerProps();
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void closeProducer() {
        producer.close(Duration.ofSeconds(5));
    }

    @Test
    void shouldPrintAnAvroRequestAsOneJsonObjectWithItsDecodedFieldsKeyHeadersAndIsoTimestamps() throws Exception {
        // given: a request as an upstream publishes it (the topic's own serde), with a trace header and a binary one
        Topic<String, ProvisionNumberRequest> requests = topics.provisioningRequests();
        create(requests.name(), 1);
        String org = UUID.randomUUID().toString();
        byte[] bytes = requests.valueSerde().serializer().serialize(requests.name(), request("r-1", org, "415"));
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(requests.name(), 0, RECORD_TIMESTAMP, utf8(org), bytes);
        out.headers().add("traceparent", utf8("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        out.headers().add("blob", new byte[] {0x00, (byte) 0xfe, 0x7f});
        producer.send(out).get();

        // when
        Run run = tail(requests.name(), "--from-beginning");

        // then
        assertThat(run.exit).as(run.err).isZero();
        assertThat(run.lines).hasSize(1);
        JsonNode line = run.lines.get(0);
        assertThat(line.get("topic").asText()).isEqualTo(requests.name());
        assertThat(line.get("partition").asInt()).isZero();
        assertThat(line.get("offset").isIntegralNumber()).isTrue();
        assertThat(line.get("timestamp").asText()).isEqualTo("2026-12-01T10:15:31.456Z");
        assertThat(line.get("key").asText()).isEqualTo(org);
        assertThat(line.get("headers").get("traceparent").asText()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(line.get("headers").get("blob").asText()).isEqualTo("00fe7f");
        assertFraming(line, bytes);
        JsonNode value = line.get("value");
        assertThat(value.isObject()).isTrue();
        assertThat(value.get("requestId").asText()).isEqualTo("r-1");
        assertThat(value.get("orgId").asText()).isEqualTo(org);
        assertThat(value.get("countryCode").asText()).isEqualTo("US");
        assertThat(value.get("areaCode").asText()).as("a nullable union with a value: the value").isEqualTo("415");
        assertThat(value.get("friendlyName").isNull()).as("a nullable union without one: null").isTrue();
        assertThat(value.get("requestedAt").asText()).isEqualTo("2026-12-01T10:15:30.123Z");
        assertThat(value.properties()).extracting(Map.Entry::getKey).containsExactlyElementsOf(
                ProvisionNumberRequest.getClassSchema().getFields().stream().map(f -> f.name()).toList());
        assertThat(run.err).contains("tail: " + requests.name()).contains("1 record(s)");
    }

    @Test
    void shouldShowEnumsByNameAndANullableTimestampAsIsoOrNull() throws Exception {
        // given: an OPEN violation and its RESOLVED successor on the violations topic
        Topic<String, SsotViolation> violations = topics.violations();
        create(violations.name(), 1);
        Instant detected = Instant.parse("2026-12-01T10:16:00Z");
        SsotViolation open = violation(ViolationState.OPEN, null, detected);
        SsotViolation resolved = violation(ViolationState.RESOLVED, Instant.parse("2026-12-01T10:20:00.500Z"), detected);
        for (SsotViolation v : List.of(open, resolved)) {
            producer.send(new ProducerRecord<>(violations.name(), utf8(Topics.orgNumberKey(v.getOrgId(), v.getPhoneNumber())),
                    violations.valueSerde().serializer().serialize(violations.name(), v))).get();
        }

        // when: named by its logical id, in lower case
        Run run = tail("violations", "--from-beginning");

        // then
        assertThat(run.exit).as(run.err).isZero();
        assertThat(run.lines).hasSize(2);
        assertThat(run.lines).allSatisfy(l -> assertThat(l.get("topic").asText()).isEqualTo(violations.name()));
        JsonNode first = run.lines.get(0).get("value");
        JsonNode second = run.lines.get(1).get("value");
        assertThat(first.get("kind").asText()).isEqualTo("MISSING_SSOT_ROW");
        assertThat(first.get("state").asText()).isEqualTo("OPEN");
        assertThat(first.get("resolvedAt").isNull()).isTrue();
        assertThat(first.get("observedVapiPhoneId").isNull()).isTrue();
        assertThat(first.get("detectedAt").asText()).isEqualTo("2026-12-01T10:16:00Z");
        assertThat(second.get("state").asText()).isEqualTo("RESOLVED");
        assertThat(second.get("resolvedAt").asText()).isEqualTo("2026-12-01T10:20:00.500Z");
        assertThat(run.lines.get(0).get("key").asText()).isEqualTo(open.getOrgId() + "|" + open.getPhoneNumber());
    }

    @Test
    void shouldEmbedADebeziumRowAsJsonAndShowItsTombstoneAsANullValue() throws Exception {
        // given: a row as the relay writes it (schemaless JSON, with a non-ASCII name), then the delete's tombstone
        Topic<String, String> cdc = topics.cdcManagedNumbers();
        create(cdc.name(), 1);
        String key = UUID.randomUUID() + "|+14155550142";
        String row = "{\"id\":\"" + UUID.randomUUID() + "\",\"phone_number\":\"+14155550142\",\"friendly_name\":\"Cl\u00ednica Voxanne\","
                + "\"is_managed\":true,\"version\":3,\"status\":\"active\",\"__deleted\":\"false\",\"__op\":\"c\"}";
        producer.send(new ProducerRecord<>(cdc.name(), utf8(key), utf8(row))).get();
        producer.send(new ProducerRecord<>(cdc.name(), utf8(key), null)).get();

        // when
        Run run = tail("CDC_MANAGED_NUMBERS", "--from-beginning");

        // then
        assertThat(run.exit).as(run.err).isZero();
        assertThat(run.lines).hasSize(2);
        JsonNode created = run.lines.get(0);
        assertThat(created.get("format").asText()).isEqualTo("json");
        assertThat(created.get("key").asText()).isEqualTo(key);
        assertThat(created.has("schemaId")).isFalse();
        JsonNode value = created.get("value");
        assertThat(value.isObject()).as("embedded as JSON, not as an escaped string").isTrue();
        assertThat(value.get("phone_number").asText()).isEqualTo("+14155550142");
        assertThat(value.get("version").isIntegralNumber()).isTrue();
        assertThat(value.get("version").asInt()).isEqualTo(3);
        assertThat(value.get("is_managed").asBoolean()).isTrue();
        assertThat(value.get("friendly_name").asText()).isEqualTo("Cl\u00ednica Voxanne");
        JsonNode tombstone = run.lines.get(1);
        assertThat(tombstone.get("key").asText()).isEqualTo(key);
        assertThat(tombstone.has("value")).isTrue();
        assertThat(tombstone.get("value").isNull()).isTrue();
        assertThat(run.out).matches("\\p{ASCII}*");
    }

    @Test
    void shouldShowDeadLettersRawWithTheirReasonInHeadersAndTheParkedRequestWhereItDecodes() throws Exception {
        // given: on the requests' dead-letter topic, garbage parked at decode and a valid request parked at validation,
        // each with the headers DeadLetters writes
        Topic<String, ProvisionNumberRequest> requests = topics.provisioningRequests();
        create(requests.dlq(), 1);
        byte[] garbage = {0x7b, (byte) 0xff, 0x00, 0x13, 0x37};
        byte[] valid = requests.valueSerde().serializer().serialize(requests.name(), request("r-bad-area", "org-9", "41"));
        producer.send(parked(requests, utf8("org-8"), garbage, "decode", "not Avro single-object encoding", 7)).get();
        producer.send(parked(requests, utf8("org-9"), valid, "validate", "areaCode must be 3 digits, was '41'", 8)).get();

        // when
        Run run = tail(requests.dlq(), "--from-beginning");

        // then
        assertThat(run.exit).as(run.err).isZero();
        assertThat(run.lines).hasSize(2);
        JsonNode undecodable = run.lines.get(0);
        assertThat(undecodable.get("topic").asText()).isEqualTo(requests.dlq());
        assertThat(undecodable.get("format").asText()).isEqualTo("raw");
        assertThat(undecodable.get("valueHex").asText()).isEqualTo("7bff001337");
        assertThat(undecodable.get("error").asText()).as("the decoder's message").isNotBlank();
        assertThat(undecodable.has("value")).isFalse();
        JsonNode h = undecodable.get("headers");
        assertThat(h.get(DeadLetters.H_STAGE).asText()).isEqualTo("decode");
        assertThat(h.get(DeadLetters.H_ERROR_MESSAGE).asText()).isEqualTo("not Avro single-object encoding");
        assertThat(h.get(DeadLetters.H_ERROR_CLASS).asText()).isEqualTo("UndecodableRecordException");
        assertThat(h.get(DeadLetters.H_SOURCE_TOPIC).asText()).isEqualTo(requests.name());
        assertThat(h.get(DeadLetters.H_SOURCE_PARTITION).asText()).isEqualTo("0");
        assertThat(h.get(DeadLetters.H_SOURCE_OFFSET).asText()).isEqualTo("7");
        JsonNode rejected = run.lines.get(1);
        assertThat(rejected.get("format").asText()).isEqualTo("raw");
        assertThat(rejected.get("valueHex").asText()).isEqualTo(HexFormat.of().formatHex(valid));
        assertThat(rejected.has("error")).isFalse();
        assertThat(rejected.get("value").get("requestId").asText()).isEqualTo("r-bad-area");
        assertThat(rejected.get("value").get("areaCode").asText()).isEqualTo("41");
        assertThat(rejected.get("headers").get(DeadLetters.H_ERROR_MESSAGE).asText()).isEqualTo("areaCode must be 3 digits, was '41'");
    }

    @Test
    void shouldPrintRecordsThatDoNotDecodeRawAndGoOnWithTheNextOnes() throws Exception {
        // given: on the event log, garbage, a good event, the same event cut short, and another good one
        Topic<String, NumberProvisioned> events = topics.numbersProvisioned();
        create(events.name(), 1);
        byte[] good = events.valueSerde().serializer().serialize(events.name(), event("e-1"));
        byte[] cut = Arrays.copyOf(good, good.length - 3);
        byte[] garbage = utf8("hello, not avro");
        for (byte[] value : List.of(garbage, good, cut, events.valueSerde().serializer().serialize(events.name(), event("e-2")))) {
            producer.send(new ProducerRecord<>(events.name(), utf8("org-1"), value)).get();
        }

        // when
        Run run = tail(events.name(), "--from-beginning");

        // then
        assertThat(run.exit).as(run.err).isZero();
        assertThat(run.lines).extracting(l -> l.get("format").asText()).containsExactly("raw", framing(good), "raw", framing(good));
        assertThat(run.lines.get(0).get("valueHex").asText()).isEqualTo(HexFormat.of().formatHex(garbage));
        assertThat(run.lines.get(0).get("error").asText()).isNotBlank();
        assertThat(run.lines.get(2).get("valueHex").asText()).isEqualTo(HexFormat.of().formatHex(cut));
        assertThat(run.lines.get(2).get("error").asText()).isNotBlank();
        assertThat(run.lines.get(1).get("value").get("eventId").asText()).isEqualTo("e-1");
        assertThat(run.lines.get(1).get("value").get("provisionedAt").asText()).isEqualTo("2026-12-01T10:15:30.123Z");
        assertThat(run.lines.get(3).get("value").get("eventId").asText()).isEqualTo("e-2");
    }

    @Test
    void shouldPrintTheLastTenRecordsOfEachPartitionByDefaultEvenWhereTransactionMarkersLeaveGaps() throws Exception {
        // given: partition 0 written one transaction per record (a marker after each) with an aborted transaction in
        // the middle, partition 1 written plainly
        String name = topics.provisioningRequests().name();
        numberedRequests(name, 15, 12);

        // when
        Run run = tail(name);

        // then: ten of each, the newest, in offset order, and nothing of the aborted transaction
        assertThat(run.exit).as(run.err).isZero();
        assertThat(requestIds(run, 0)).containsExactlyElementsOf(range("p0-", 5, 15));
        assertThat(requestIds(run, 1)).containsExactlyElementsOf(range("p1-", 2, 12));
        assertThat(run.lines).hasSize(20);
        assertThat(offsets(run, 0)).isSorted();
        assertThat(run.err).contains("the last 10 records of each partition").contains("20 record(s)");
    }

    @Test
    void shouldPrintEverythingFromTheBeginningAndStopAtMax() throws Exception {
        String name = topics.provisioningRequests().name();
        numberedRequests(name, 15, 12);

        Run all = tail(name, "--from-beginning");
        Run five = tail(name, "--from-beginning", "--max", "5");
        Run three = tail(name, "--max", "3");

        assertThat(all.exit).as(all.err).isZero();
        assertThat(all.lines).hasSize(27);
        assertThat(requestIds(all, 0)).containsExactlyElementsOf(range("p0-", 0, 15));
        assertThat(requestIds(all, 1)).containsExactlyElementsOf(range("p1-", 0, 12));
        assertThat(five.exit).isZero();
        assertThat(five.lines).hasSize(5);
        assertThat(three.exit).isZero();
        assertThat(three.lines).hasSize(3);
    }

    @Test
    void shouldFollowARecordProducedAfterItStartedAndStopCleanlyWhenAsked() throws Exception {
        // given: a topic with three requests, followed
        Topic<String, ProvisionNumberRequest> requests = topics.provisioningRequests();
        create(requests.name(), 2);
        for (int i = 0; i < 3; i++) {
            send(requests, request("before-" + i, "org-1", "415"));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> following = CompletableFuture.supplyAsync(() -> command(out, err).execute(
                requests.name(), "--follow"));
        await("following").atMost(Duration.ofSeconds(30)).until(() -> err.toString().contains("following"));
        assertThat(parse(out.toString())).hasSize(3);

        // when a request comes after it started
        send(requests, request("after", "org-2", "212"));

        // then it is printed, and a stop ends the command with exit 0
        await("the new request printed").atMost(Duration.ofSeconds(30))
                .until(() -> parse(out.toString()).stream().anyMatch(l -> l.get("value").get("requestId").asText().equals("after")));
        assertThat(following).isNotDone();
        stopFollow.get().run();
        assertThat(following.get(15, TimeUnit.SECONDS)).as(err.toString()).isZero();
        assertThat(parse(out.toString())).hasSize(4);
        assertThat(err.toString()).contains("stopped after 4 record(s)");
    }

    @Test
    void shouldRefuseAnUnknownTopicWithExit2ListingTheDeploymentsNames() {
        Run run = tail("telephony.provisioning.request");

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.out).isEmpty();
        assertThat(run.err).contains("error: unknown topic 'telephony.provisioning.request'")
                .contains(topics.provisioningRequests().name(), topics.cdcOrgCredentials().name(), topics.violations().dlq(),
                        "PROVISIONING_REQUESTS");
    }

    @Test
    void shouldRefuseATopicKafkaDoesNotHaveWithExit2() {
        Run run = tail(topics.provisioningResults().name());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.out).isEmpty();
        assertThat(run.err).contains("does not exist").contains(topics.provisioningResults().name());
    }

    // ---------------------------------------------------------------- helpers

    private record Run(int exit, String out, String err, List<JsonNode> lines) {
    }

    private Run tail(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = command(out, err).execute(args);
        return new Run(exit, out.toString(), err.toString(), parse(out.toString()));
    }

    private CommandLine command(StringWriter out, StringWriter err) {
        CommandLine cli = new CommandLine(new TailCommand(() -> ConfigSource.of(env), stopFollow::set));
        cli.setExecutionExceptionHandler(Ssot.commandLine().getExecutionExceptionHandler());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli;
    }

    /** Every line of stdout as a JSON object (and nothing else on it). */
    private static List<JsonNode> parse(String out) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.lines().toList()) {
            try {
                JsonNode node = JSON.readTree(line);
                assertThat(node.isObject()).as("a JSON object: %s", line).isTrue();
                lines.add(node);
            } catch (java.io.IOException e) {
                throw new AssertionError("not one JSON object: " + line, e);
            }
        }
        return lines;
    }

    /** The line says the framing the bytes were written in (Confluent with its schema id, or single-object). */
    private static void assertFraming(JsonNode line, byte[] written) {
        assertThat(line.get("format").asText()).isEqualTo(framing(written));
        if (written[0] == 0x00) {
            assertThat(line.get("schemaId").asInt()).isEqualTo(ByteBuffer.wrap(written, 1, 4).getInt());
        } else {
            assertThat(line.has("schemaId")).isFalse();
        }
    }

    private static String framing(byte[] written) {
        return written[0] == 0x00 ? "confluent" : "single-object";
    }

    private void create(String topic, int partitions) {
        TestStack.get().createTopic(topic, partitions, Map.of());
    }

    private <V> void send(Topic<String, V> topic, V value) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), utf8("k"), topic.valueSerde().serializer().serialize(topic.name(), value))).get();
    }

    /**
     * Requests p0-0 .. p0-{p0-1} on partition 0, each in a transaction of its own, with an aborted transaction of two
     * requests after the twelfth; p1-0 .. p1-{p1-1} on partition 1 without transactions.
     */
    private void numberedRequests(String name, int p0, int p1) throws Exception {
        create(name, 2);
        Topic<String, ProvisionNumberRequest> requests = topics.provisioningRequests();
        Properties props = TestStack.get().producerProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tail-test-" + UUID.randomUUID());
        try (KafkaProducer<byte[], byte[]> tx = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            tx.initTransactions();
            for (int i = 0; i < p0; i++) {
                if (i == 12) {
                    tx.beginTransaction();
                    for (int a = 0; a < 2; a++) {
                        tx.send(new ProducerRecord<>(name, 0, utf8("k"), requests.valueSerde().serializer()
                                .serialize(name, request("aborted-" + a, "org-1", "415")))).get();
                    }
                    tx.abortTransaction();
                }
                tx.beginTransaction();
                tx.send(new ProducerRecord<>(name, 0, utf8("k"), requests.valueSerde().serializer()
                        .serialize(name, request("p0-" + i, "org-1", "415"))));
                tx.commitTransaction();
            }
        }
        for (int i = 0; i < p1; i++) {
            producer.send(new ProducerRecord<>(name, 1, utf8("k"), requests.valueSerde().serializer()
                    .serialize(name, request("p1-" + i, "org-1", "415")))).get();
        }
    }

    private static List<String> requestIds(Run run, int partition) {
        return run.lines.stream().filter(l -> l.get("partition").asInt() == partition)
                .map(l -> l.get("value").get("requestId").asText()).toList();
    }

    private static List<Long> offsets(Run run, int partition) {
        return run.lines.stream().filter(l -> l.get("partition").asInt() == partition).map(l -> l.get("offset").asLong()).toList();
    }

    private static List<String> range(String prefix, int from, int to) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    private ProducerRecord<byte[], byte[]> parked(Topic<?, ?> source, byte[] key, byte[] value, String stage, String reason,
                                                  long sourceOffset) {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(source.dlq(), key, value);
        out.headers().add(DeadLetters.H_ERROR_CLASS, utf8("UndecodableRecordException"));
        out.headers().add(DeadLetters.H_ERROR_MESSAGE, utf8(reason));
        out.headers().add(DeadLetters.H_STAGE, utf8(stage));
        out.headers().add(DeadLetters.H_SOURCE_TOPIC, utf8(source.name()));
        out.headers().add(DeadLetters.H_SOURCE_PARTITION, utf8("0"));
        out.headers().add(DeadLetters.H_SOURCE_OFFSET, utf8(Long.toString(sourceOffset)));
        return out;
    }

    private static ProvisionNumberRequest request(String requestId, String org, String areaCode) {
        return ProvisionNumberRequest.newBuilder().setEventId(UUID.randomUUID().toString()).setRequestId(requestId).setOrgId(org)
                .setCountryCode("US").setAreaCode(areaCode).setFriendlyName(null).setRequestedAt(REQUESTED_AT).build();
    }

    private static NumberProvisioned event(String eventId) {
        return NumberProvisioned.newBuilder().setEventId(eventId).setRequestId("r-" + eventId).setOrgId("org-1")
                .setPhoneNumber("+14155550100").setTwilioSid("PN" + "0".repeat(32)).setVapiPhoneId("vapi-1")
                .setProvisionedAt(REQUESTED_AT).build();
    }

    private static SsotViolation violation(ViolationState state, Instant resolvedAt, Instant detectedAt) {
        return SsotViolation.newBuilder().setEventId(UUID.randomUUID().toString()).setOrgId("org-1").setPhoneNumber("+14155550100")
                .setKind(ViolationKind.MISSING_SSOT_ROW).setState(state).setManagedNumberId(UUID.randomUUID().toString())
                .setExpectedVapiPhoneId("vapi-1").setObservedVapiPhoneId(null).setMissingSince(detectedAt.minusSeconds(30))
                .setDetectedAt(detectedAt).setResolvedAt(resolvedAt).build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package com.voxanne.ssot.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.BinaryEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.voxanne.ssot.schemas.Samples;
import com.voxanne.ssot.schemas.SchemaHistory;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.schemas.serde.AvroWire;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException.Reason;

/** The Confluent wire format of {@link AvroSerde}: framing, ids, both formats on read, and the registry's failures. */
class ConfluentFramingTest {
    private static final String TOPIC = "telephony.provisioning.requests";
    private static final RegisteredSchemas.Retries FAST = new RegisteredSchemas.Retries(2, 3, Duration.ofMillis(5), Duration.ofMinutes(1));

    private final StubRegistry registry = new StubRegistry();
    private final AvroSerde<ProvisionNumberRequest> serde = serde(ProvisionNumberRequest.class);

    @AfterEach
    void stop() {
        registry.close();
    }

    private <T extends org.apache.avro.specific.SpecificRecord> AvroSerde<T> serde(Class<T> type) {
        return AvroSerde.of(type, SchemaHistory.bundled(),
                AvroWire.confluent(new RegisteredSchemas(SchemaRegistryClient.of(registry.url()), FAST)));
    }

    @Test
    void shouldWriteMagicByteTheRegistryIdAndABodyAPlainAvroReaderDecodes() throws IOException {
        // when
        byte[] bytes = serde.serialize(TOPIC, Samples.request());

        // then: 00, the id the registry gave our schema, then a body decodable with only the registry's schema
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(id).isEqualTo(registry.put(ProvisionNumberRequest.getClassSchema().toString()));
        Schema fromRegistry = new Schema.Parser().parse(registry.schemas().get(id));
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(fromRegistry)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(decoded.get("requestId")).hasToString(Samples.REQUEST_ID);
        assertThat(decoded.get("areaCode")).hasToString("415");
    }

    @Test
    void shouldReadBothFormatsWhateverItWrites() {
        // given the same request in the old and in the new format
        byte[] singleObject = AvroSerde.of(ProvisionNumberRequest.class).serialize(TOPIC, Samples.request());
        byte[] confluent = serde.serialize(TOPIC, Samples.request());

        // then
        assertThat(singleObject[0]).isEqualTo((byte) 0xC3);
        assertThat(serde.deserialize(TOPIC, singleObject)).isEqualTo(Samples.request());
        assertThat(serde.deserialize(TOPIC, confluent)).isEqualTo(Samples.request());
    }

    @Test
    void shouldAcceptAnExternalProducersCompatibleEvolutionRegisteredByItself() throws IOException {
        // given an upstream producer that added an optional field and registered its schema itself
        Schema evolved = withExtraOptionalField(ProvisionNumberRequest.getClassSchema());
        int id = registry.put(evolved.toString());
        GenericRecord record = new GenericData.Record(evolved);
        for (Schema.Field f : ProvisionNumberRequest.getClassSchema().getFields()) {
            Object value = Samples.request().get(f.name());
            record.put(f.name(), value instanceof java.time.Instant at ? at.toEpochMilli() : value);
        }
        record.put("campaign", "spring");
        byte[] bytes = frame(id, evolved, record);

        // when
        ProvisionNumberRequest decoded = serde.deserialize(TOPIC, bytes);

        // then
        assertThat(decoded).isEqualTo(Samples.request());
    }

    @Test
    void shouldDeadLetterAnUnknownIdOnlyAfterBoundedRetriesAndRememberIt() {
        // given a body framed with an id the registry never gave out
        byte[] bytes = reframe(serde.serialize(TOPIC, Samples.request()), 4242);
        int before = registry.idLookups.get();

        // when / then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, bytes)).isInstanceOfSatisfying(UndecodableRecordException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA_ID);
            assertThat(e.getMessage()).contains("4242");
            assertThat(e.rawBytes()).isEqualTo(bytes);
        });
        assertThat(registry.idLookups.get() - before).isEqualTo(3);
        // a second record with the same unknown id is judged without asking again
        assertThatThrownBy(() -> serde.deserialize(TOPIC, bytes)).isInstanceOf(UndecodableRecordException.class);
        assertThat(registry.idLookups.get() - before).isEqualTo(3);
    }

    @Test
    void shouldReportARegistryThatIsDownAsRetriableAndDecodeOnceItIsBack() throws IOException {
        // given a record with an id this reader has not seen yet, and the registry down
        Schema evolved = withExtraOptionalField(ProvisionNumberRequest.getClassSchema());
        int id = registry.put(evolved.toString());
        byte[] bytes = reframe(frame(id, evolved, genericOf(evolved)), id);
        registry.down = true;

        // then: not undecodable (that would dead-letter it), retriable
        assertThatThrownBy(() -> serde.deserialize(TOPIC, bytes)).isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("503");

        // when the registry is back
        registry.down = false;
        assertThat(serde.deserialize(TOPIC, bytes).getRequestId()).isEqualTo(Samples.REQUEST_ID);
    }

    @Test
    void shouldKeepDecodingIdsAlreadySeenWhileTheRegistryIsDown() {
        // given
        AvroSerde<ProvisionNumberRequest> reader = serde(ProvisionNumberRequest.class);
        byte[] bytes = serde.serialize(TOPIC, Samples.request());
        reader.deserialize(TOPIC, bytes);

        // when
        registry.down = true;

        // then
        assertThat(reader.deserialize(TOPIC, bytes)).isEqualTo(Samples.request());
        assertThat(serde.serialize(TOPIC, Samples.request())).isEqualTo(bytes);
    }

    @Test
    void shouldFailAFirstWriteWhileTheRegistryIsDownAsRetriable() {
        registry.down = true;
        assertThatThrownBy(() -> serde.serialize(TOPIC, Samples.request())).isInstanceOf(SchemaRegistryUnavailableException.class);
    }

    @Test
    void shouldRefuseTruncatedFramesAndBodies() {
        byte[] bytes = serde.serialize(TOPIC, Samples.request());

        assertThat(reasonOf(new byte[] {0, 0, 0})).isEqualTo(Reason.CORRUPT_BODY);
        assertThat(reasonOf(Arrays.copyOf(bytes, bytes.length - 4))).isEqualTo(Reason.CORRUPT_BODY);
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 2);
        assertThat(reasonOf(trailing)).isEqualTo(Reason.CORRUPT_BODY);
    }

    @Test
    void shouldRefuseAnIdOfAnotherRecordTypeAndAnIncompatibleSchemaOfThisOne() {
        // another record's schema
        byte[] event = serde(NumberProvisioned.class).serialize("telephony.numbers.provisioned", Samples.numberProvisioned());
        assertThat(reasonOf(event)).isEqualTo(Reason.WRONG_RECORD_TYPE);

        // the same record name, but requestId became an int: not readable as ours
        Schema incompatible = new Schema.Parser().parse(ProvisionNumberRequest.getClassSchema().toString()
                .replaceFirst("\\{\"name\":\"requestId\",\"type\":\\{\"type\":\"string\",\"avro.java.string\":\"String\"\\}",
                        "{\"name\":\"requestId\",\"type\":\"int\"")
                .replaceFirst("\\{\"name\":\"requestId\",\"type\":\"string\"", "{\"name\":\"requestId\",\"type\":\"int\""));
        assertThat(incompatible.getField("requestId").schema().getType()).isEqualTo(Schema.Type.INT);
        int id = registry.put(incompatible.toString());
        byte[] bytes = reframe(serde.serialize(TOPIC, Samples.request()), id);
        assertThat(reasonOf(bytes)).isEqualTo(Reason.INCOMPATIBLE_SCHEMA);
    }

    @Test
    void shouldSendCredentialsOnlyInTheAuthorizationHeader() {
        // given
        SchemaRegistryClient client = new SchemaRegistryClient(registry.url(), new SchemaRegistryClient.Auth.Bearer("s3cr3t-token"),
                Duration.ofSeconds(5));

        // when
        client.register("x-value", ProvisionNumberRequest.getClassSchema());

        // then
        assertThat(registry.lastAuthorization("/subjects")).isEqualTo("Bearer s3cr3t-token");
        assertThat(client.toString()).doesNotContain("s3cr3t");
        assertThatThrownBy(() -> SchemaRegistryClient.of("http://user:pw@127.0.0.1:1")).hasMessageNotContaining("pw")
                .hasMessageContaining("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO");
    }

    private Reason reasonOf(byte[] bytes) {
        try {
            serde.deserialize(TOPIC, bytes);
        } catch (UndecodableRecordException e) {
            return e.reason();
        }
        throw new AssertionError("decoded");
    }

    private static Schema withExtraOptionalField(Schema schema) {
        String json = schema.toString();
        String field = ",{\"name\":\"campaign\",\"type\":[\"null\",\"string\"],\"default\":null}]";
        return new Schema.Parser().parse(json.substring(0, json.lastIndexOf(']')) + field + json.substring(json.lastIndexOf(']') + 1));
    }

    private static GenericRecord genericOf(Schema evolved) {
        GenericRecord record = new GenericData.Record(evolved);
        for (Schema.Field f : evolved.getFields()) {
            Object value = f.name().equals("campaign") ? null : Samples.request().get(f.name());
            record.put(f.name(), value instanceof java.time.Instant at ? at.toEpochMilli() : value);
        }
        return record;
    }

    private static byte[] frame(int id, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static byte[] reframe(byte[] confluent, int id) {
        byte[] copy = confluent.clone();
        ByteBuffer.wrap(copy, 1, 4).putInt(id);
        return copy;
    }
}

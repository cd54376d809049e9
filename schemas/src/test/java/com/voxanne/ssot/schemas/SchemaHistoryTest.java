package com.voxanne.ssot.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.serde.AvroSerde;

class SchemaHistoryTest {

    private static final long EPOCH_MILLIS = 1_714_566_896_789L;

    static Stream<SchemaHistory.Version> releasedVersions() {
        return SchemaHistory.bundled().all().stream();
    }

    @Test
    void shouldShipAHistoryForEveryContractRecord() {
        assertThat(SchemaHistory.bundled().recordNames()).containsExactlyInAnyOrder(
                "ProvisionNumberRequest", "ProvisioningResult", "NumberProvisioned", "SsotViolation",
                "ReleaseNumberRequest", "NumberReleased");
        assertThat(SchemaHistory.bundled().versions("NumberProvisioned"))
                .extracting(SchemaHistory.Version::version).startsWith(1);
    }

    @Test
    void shouldShipTheCurrentSchemaAsTheLatestReleasedVersion() {
        // given
        Map<String, Schema> current = TestSchemas.current();

        // then: changing src/main/avro without adding avro-history/<Record>/v<N+1>.avsc fails here
        current.forEach((name, schema) -> {
            SchemaHistory.Version latest = SchemaHistory.bundled().latest(name);
            assertThat(latest.schema())
                    .as("%s in src/main/avro differs from the latest released version %s: copy it to "
                            + "avro-history/%s/v%d.avsc and add that line to avro-history/index",
                            name, latest, name, latest.version() + 1)
                    .isEqualTo(schema);
        });
    }

    @Test
    void shouldWriteWithTheFingerprintOfTheLatestReleasedVersion() {
        for (String name : SchemaHistory.bundled().recordNames()) {
            // given the class generated for the record
            SchemaHistory.Version latest = SchemaHistory.bundled().latest(name);
            Class<?> generated = SpecificData.get().getClass(latest.schema());

            // then it writes with the fingerprint readers find in the history
            assertThat(generated).as("generated class for %s", name).isNotNull();
            assertThat(SchemaNormalization.parsingFingerprint64(SpecificData.get().getSchema(generated)))
                    .as("fingerprint of %s", generated.getName())
                    .isEqualTo(latest.fingerprint());
        }
    }

    /** The real mechanism: bytes written with ANY released version decode into the current class. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("releasedVersions")
    void shouldDecodeBytesWrittenWithEveryReleasedVersionIntoTheCurrentClass(SchemaHistory.Version version) {
        // given a record written by a producer on that version
        Schema writer = version.schema();
        GenericRecord written = sample(writer);
        byte[] bytes = singleObject(writer, written);
        @SuppressWarnings("unchecked")
        Class<SpecificRecord> type = (Class<SpecificRecord>) SpecificData.get().getClass(writer);

        // when
        SpecificRecord decoded = AvroSerde.of(type).deserialize("topic", bytes);

        // then every field the writer wrote arrives with its value
        assertThat(decoded).isInstanceOf(type);
        for (Schema.Field field : writer.getFields()) {
            Schema.Field readerField = decoded.getSchema().getField(field.name());
            if (readerField != null) {
                assertThat(plain(decoded.get(readerField.pos())))
                        .as("%s.%s", version, field.name())
                        .isEqualTo(plain(written.get(field.name())));
            }
        }
    }

    @Test
    void shouldDecodeAnOlderTestOnlyVersionFillingDefaults() {
        // given bytes from a pretend pre-release producer without countryCode and friendlyName
        Schema v0 = TestSchemas.resource("evolution/ProvisionNumberRequest-v0.avsc");
        GenericRecord old = new GenericData.Record(v0);
        old.put("eventId", "e-1");
        old.put("requestId", "req-1");
        old.put("orgId", "org-1");
        old.put("areaCode", "415");
        old.put("requestedAt", EPOCH_MILLIS);
        byte[] bytes = singleObject(v0, old);
        AvroSerde<ProvisionNumberRequest> serde = AvroSerde.withWriterSchemas(ProvisionNumberRequest.class, List.of(v0));

        // when
        ProvisionNumberRequest request = serde.deserialize("telephony.provisioning.requests", bytes);

        // then
        assertThat(request.getRequestId()).isEqualTo("req-1");
        assertThat(request.getAreaCode()).isEqualTo("415");
        assertThat(request.getCountryCode()).isEqualTo("US");
        assertThat(request.getFriendlyName()).isNull();
        assertThat(request.getRequestedAt()).isEqualTo(Instant.ofEpochMilli(EPOCH_MILLIS));
    }

    @Test
    void shouldRejectVersionsWithGaps() {
        // given
        Schema schema = SchemaHistory.bundled().latest("NumberProvisioned").schema();

        // when / then
        assertThatThrownBy(() -> SchemaHistory.of(List.of(
                SchemaHistory.Version.of("NumberProvisioned", 1, schema),
                SchemaHistory.Version.of("NumberProvisioned", 3, schema))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("versions of NumberProvisioned must be numbered 1..2")
                .hasMessageContaining("found v3");
    }

    @Test
    void shouldFailLoudlyWhenTheIndexIsMissing() {
        assertThatThrownBy(() -> SchemaHistory.load(getClass().getClassLoader(), "no-such-history"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no-such-history/index");
    }

    @Test
    void shouldNameTheRecordWhenAskedForOneWithoutHistory() {
        assertThatThrownBy(() -> SchemaHistory.bundled().versions("NumberPortedOut"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no schema history for record 'NumberPortedOut'");
    }

    /** Single-object encoding of a generic record, as a producer on {@code writer} would write it. */
    private static byte[] singleObject(Schema writer, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record with a distinctive non-null value in every field. */
    private static GenericRecord sample(Schema schema) {
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            record.put(field.name(), value(field.name(), field.schema()));
        }
        return record;
    }

    private static Object value(String name, Schema schema) {
        return switch (schema.getType()) {
            case STRING -> "value-of-" + name;
            case LONG -> schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
                    ? EPOCH_MILLIS + name.length()
                    : (long) name.length();
            case INT -> name.length();
            case BOOLEAN -> true;
            case ENUM -> new GenericData.EnumSymbol(schema, schema.getEnumSymbols().get(schema.getEnumSymbols().size() - 1));
            case UNION -> value(name, schema.getTypes().stream()
                    .filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow());
            case RECORD -> sample(schema);
            default -> throw new IllegalArgumentException("add sample values for " + schema.getType() + " (" + name + ")");
        };
    }

    /** Generic and specific values in one comparable form. */
    private static Object plain(Object value) {
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        if (value instanceof GenericData.EnumSymbol symbol) {
            return symbol.toString();
        }
        if (value instanceof CharSequence chars) {
            return chars.toString();
        }
        return value;
    }
}

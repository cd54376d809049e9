package com.voxanne.ssot.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

import com.voxanne.ssot.schemas.CompatibilityGate.Direction;
import com.voxanne.ssot.schemas.CompatibilityGate.Finding;
import com.voxanne.ssot.schemas.CompatibilityGate.IncompatibleSchemaException;

class CompatibilityGateTest {

    private final SchemaHistory history = SchemaHistory.bundled();

    /** The build gate: fails the build when src/main/avro breaks a released version. */
    @Test
    void shouldKeepEveryCurrentSchemaCompatibleBothWaysWithEveryReleasedVersion() {
        // given
        Map<String, Schema> current = TestSchemas.current();

        // then
        assertThat(current.keySet()).containsExactlyInAnyOrderElementsOf(history.recordNames());
        current.forEach((name, schema) -> assertThatCode(
                () -> CompatibilityGate.requireCompatible(schema, history.versions(name)))
                .as("current %s against %s", name, history.versions(name))
                .doesNotThrowAnyException());
    }

    @Test
    void shouldRejectANewRequiredFieldWithoutDefaultNamingTheIncompatibility() {
        // given
        Schema candidate = TestSchemas.resource("evolution/NumberProvisioned-new-required-field.avsc");

        // when
        IncompatibleSchemaException e = catchThrowableOfType(IncompatibleSchemaException.class,
                () -> CompatibilityGate.requireCompatible(candidate, history.versions("NumberProvisioned")));

        // then: new readers cannot read v1 bytes (no value, no default); old readers are fine
        assertThat(e).hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("testOnlyRequiredField")
                .hasMessageContaining("reader=candidate, writer=v1");
        assertThat(e.findings()).filteredOn(finding -> finding.version() == 1).singleElement().satisfies(finding -> {
            assertThat(finding.type()).isEqualTo(SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE);
            assertThat(finding.direction()).isEqualTo(Direction.BACKWARD);
            assertThat(finding.message()).isEqualTo("testOnlyRequiredField");
        });
    }

    @Test
    void shouldRejectARemovedFieldThatOldReadersStillRequire() {
        // given v1 of NumberProvisioned as the candidate, judged against a pretend released
        // version that has a required 'testOnlyRequiredField': the candidate drops it
        Schema released = TestSchemas.resource("evolution/NumberProvisioned-new-required-field.avsc");
        Schema candidate = history.versions("NumberProvisioned").get(0).schema();

        // when
        List<Finding> findings = CompatibilityGate.findings(candidate,
                List.of(SchemaHistory.Version.of("NumberProvisioned", 1, released)));

        // then: readers on the released schema would miss 'testOnlyRequiredField'
        assertThat(findings).extracting(Finding::direction, Finding::type)
                .containsExactly(tuple(
                        Direction.FORWARD, SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE));
    }

    @Test
    void shouldAcceptANewEnumSymbolAndANewOptionalField() {
        // given
        Schema candidate = TestSchemas.resource("evolution/ProvisioningResult-new-failure-point.avsc");

        // when
        List<Finding> findings = CompatibilityGate.findings(candidate, history.versions("ProvisioningResult").subList(0, 1));

        // then
        assertThat(findings).isEmpty();
    }

    @Test
    void shouldLetAnOldReaderSeeANewEnumSymbolAsUnknown() throws IOException {
        // given bytes written by a newer producer with a failure point v1 does not know
        Schema newer = TestSchemas.resource("evolution/ProvisioningResult-new-failure-point.avsc");
        Schema v1 = history.versions("ProvisioningResult").get(0).schema();
        GenericRecord record = new GenericData.Record(newer);
        record.put("eventId", "e");
        record.put("requestId", "r");
        record.put("orgId", "o");
        record.put("status", new GenericData.EnumSymbol(newer.getField("status").schema(), "FAILED"));
        Schema failurePoint = newer.getField("failurePoint").schema().getTypes().get(1);
        record.put("failurePoint", new GenericData.EnumSymbol(failurePoint, "CNAM_REGISTRATION"));
        record.put("attempts", 3);
        record.put("completedAt", 1L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(newer).write(record, encoder);
        encoder.flush();

        // when
        GenericRecord read = new GenericDatumReader<GenericRecord>(newer, v1)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        // then
        assertThat(read.get("failurePoint")).hasToString("UNKNOWN");
        assertThat(read.get("status")).hasToString("FAILED");
    }

    @Test
    void shouldAcceptAnOlderVersionWhoseMissingFieldsHaveDefaults() {
        // given
        Schema v0 = TestSchemas.resource("evolution/ProvisionNumberRequest-v0.avsc");

        // when
        List<Finding> findings = CompatibilityGate.findings(history.versions("ProvisionNumberRequest").get(0).schema(),
                List.of(SchemaHistory.Version.of("ProvisionNumberRequest", 1, v0)));

        // then
        assertThat(findings).isEmpty();
    }
}

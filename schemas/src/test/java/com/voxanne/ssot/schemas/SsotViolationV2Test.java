package com.voxanne.ssot.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.voxanne.ssot.schemas.avro.SsotViolation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** SsotViolation v2 adds the optional {@code resolvedBy}: v1 and v2 readers and writers understand each other. */
class SsotViolationV2Test {
    private final SchemaHistory history = SchemaHistory.bundled();

    private Schema v1() {
        return history.versions("SsotViolation").get(0).schema();
    }

    @Test
    void shouldShipV2WithAnOptionalResolvedByAndPassTheGateAgainstV1() {
        // given
        Schema v2 = history.versions("SsotViolation").get(1).schema();

        // then
        assertThat(history.versions("SsotViolation").get(1).version()).isEqualTo(2);
        assertThat(v2.getField("resolvedBy")).isNotNull();
        assertThat(v2.getField("resolvedBy").defaultVal()).isEqualTo(JsonProperties.NULL_VALUE);
        assertThat(v1().getField("resolvedBy")).isNull();
        assertThatCode(() -> CompatibilityGate.requireCompatible(v2, history.versions("SsotViolation").subList(0, 1)))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldLetAV1ReaderReadAResolvedV2RecordWithoutItsResolvedBy() throws IOException {
        // given a RESOLVED record written by a v2 reconciler
        SsotViolation resolved = Samples.resolvedViolation();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(SsotViolation.class).write(resolved, encoder);
        encoder.flush();

        // when an alert consumer still on v1 reads it
        GenericRecord read = new GenericDatumReader<GenericRecord>(SsotViolation.getClassSchema(), v1())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        // then
        assertThat(read.get("state")).hasToString("RESOLVED");
        assertThat(read.get("phoneNumber")).hasToString(resolved.getPhoneNumber());
        assertThat(read.hasField("resolvedBy")).isFalse();
    }

    @Test
    void shouldReadAV1RecordWithNoResolvedBy() throws IOException {
        // given a RESOLVED record written by a v1 reconciler
        SsotViolation asV2 = Samples.resolvedViolation();
        GenericRecord v1Record = new GenericData.Record(v1());
        for (Schema.Field f : v1().getFields()) {
            v1Record.put(f.name(), asV2.get(f.name()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v1(), SpecificData.get()).write(v1Record, encoder);
        encoder.flush();

        // when the current reader reads it
        SsotViolation read = new SpecificDatumReader<SsotViolation>(v1(), SsotViolation.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        // then
        assertThat(read.getResolvedBy()).isNull();
        assertThat(read.getResolvedAt()).isEqualTo(asV2.getResolvedAt());
        assertThat(read.getState()).isEqualTo(asV2.getState());
    }
}

package com.voxanne.ssot.reconciler.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.SsotRow;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The binary format of the rows in the reconciler's KTable stores. */
class StoredRowSerdeTest {
    private static final String TOPIC = "reconciler-store-changelog";

    @Test
    void shouldRoundTripManagedRowsWithAndWithoutOptionalColumns() {
        StoredRowSerde<ManagedNumberRow> serde = StoredRowSerde.managedNumbers();
        ManagedNumberRow full = new ManagedNumberRow("0b7c9c5e-6a43-4a8e-9d1e-1a2b3c4d5e6f", "46cf2995-2bee-44e3-838b-24151486fe4e",
                "+14158497226", "PN0123456789abcdef0123456789abcdef", "vapi-ü-1", "active");
        ManagedNumberRow noSid = new ManagedNumberRow("id", "org", "+14158497226", null, "", "released");

        assertThat(serde.deserialize(TOPIC, serde.serialize(TOPIC, full))).isEqualTo(full);
        assertThat(serde.deserialize(TOPIC, serde.serialize(TOPIC, noSid))).isEqualTo(noSid);
        assertThat(serde.serialize(TOPIC, null)).isNull();
        assertThat(serde.deserialize(TOPIC, null)).isNull();
    }

    @Test
    void shouldRoundTripSsotRowsWithNullsAndExtremes() {
        StoredRowSerde<SsotRow> serde = StoredRowSerde.orgCredentials();
        SsotRow full = new SsotRow(Long.MAX_VALUE, "org", "twilio", "+14158497226", "vapi-1", "PN1", true, -3L, "operator");
        SsotRow legacy = new SsotRow(null, "org", "twilio", "+14158497226", null, null, false, null);

        assertThat(serde.deserialize(TOPIC, serde.serialize(TOPIC, full))).isEqualTo(full);
        assertThat(serde.deserialize(TOPIC, serde.serialize(TOPIC, legacy))).isEqualTo(legacy);
    }

    @Test
    void shouldReadSsotRowsStoredBeforeTheWriterWasAppendedWithAnUnknownWriter() {
        // given: the bytes of a row stored without the writer (the format before it), i.e. without its trailing null
        StoredRowSerde<SsotRow> serde = StoredRowSerde.orgCredentials();
        SsotRow row = new SsotRow(5L, "org", "twilio", "+14158497226", "vapi-1", "PN1", true, 2L);
        byte[] current = serde.serialize(TOPIC, row);
        byte[] before = Arrays.copyOf(current, current.length - 4);

        // when / then
        assertThat(serde.deserialize(TOPIC, before)).isEqualTo(row);
        assertThat(serde.deserialize(TOPIC, before).writtenBy()).isNull();
    }

    @Test
    void shouldRefuseAnotherFormatOrACorruptRowWithAClearError() {
        byte[] ssot = StoredRowSerde.orgCredentials().serialize(TOPIC,
                new SsotRow(1L, "org", "twilio", "+14158497226", "vapi-1", "PN1", true, 1L));

        assertThatThrownBy(() -> StoredRowSerde.managedNumbers().deserialize(TOPIC, ssot))
                .isInstanceOf(SerializationException.class).hasMessageContaining("reset the reconciler's state");
        assertThatThrownBy(() -> StoredRowSerde.orgCredentials().deserialize(TOPIC, "{\"org_id\":\"x\"}".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("expected 'S'");
        assertThatThrownBy(() -> StoredRowSerde.orgCredentials().deserialize(TOPIC, Arrays.copyOf(ssot, ssot.length - 3)))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> StoredRowSerde.orgCredentials().deserialize(TOPIC, Arrays.copyOf(ssot, ssot.length + 1)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("trailing");
    }
}

package com.voxanne.ssot.reconciler.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.reconciler.testing.Cdc;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CdcRowsTest {
    private final Cdc.Managed managed = new Cdc.Managed("0b7c9c5e-6a43-4a8e-9d1e-1a2b3c4d5e6f",
            "46cf2995-2bee-44e3-838b-24151486fe4e", "+14158497226", "55976957-887d-44a4-8c79-6a02d4c91aa1");

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReadManagedNumberRowFromContractJson() {
        ManagedNumberRow row = CdcRows.managedNumber(utf8(managed.created()));

        assertThat(row).isEqualTo(new ManagedNumberRow(managed.id, managed.orgId, managed.phone, managed.twilioSid,
                managed.vapiPhoneId, "active"));
        assertThat(row.active()).isTrue();
    }

    @Test
    void shouldReadDeleteAndTombstoneAsNoRow() {
        assertThat(CdcRows.managedNumber(utf8(managed.deleted()))).isNull();
        assertThat(CdcRows.managedNumber(null)).isNull();
        assertThat(CdcRows.ssotRow(utf8(Cdc.Credentials.of(managed, 1).deleted()))).isNull();
        assertThat(CdcRows.ssotRow(utf8("{\"__op\":\"d\",\"org_id\":\"x\"}"))).isNull();
    }

    @Test
    void shouldReadSsotRowWithNullVapiIdAndBooleanFlag() {
        SsotRow row = CdcRows.ssotRow(utf8(Cdc.Credentials.of(managed, 42).withVapiPhoneId(null).notManaged().created()));

        assertThat(row.id()).isEqualTo(42L);
        assertThat(row.vapiPhoneId()).isNull();
        assertThat(row.hasVapiPhoneId()).isFalse();
        assertThat(row.managed()).isFalse();
        assertThat(row.provider()).isEqualTo("twilio");
    }

    @Test
    void shouldReadWhoWroteTheSsotRowAndAnUnknownWriterFromRecordsBeforeTheColumn() {
        SsotRow written = CdcRows.ssotRow(utf8(Cdc.Credentials.of(managed, 7).writtenBy("backfill").created()));
        SsotRow older = CdcRows.ssotRow(utf8(Cdc.Credentials.of(managed, 7).created()));

        assertThat(written.writtenBy()).isEqualTo("backfill");
        assertThat(older.writtenBy()).isNull();
        assertThat(CdcRows.ssotRow(CdcRows.write(written))).isEqualTo(written);
    }

    @Test
    void shouldRoundTripRowsThroughTheStoreFormat() {
        ManagedNumberRow m = CdcRows.managedNumber(utf8(managed.created()));
        SsotRow s = CdcRows.ssotRow(utf8(Cdc.Credentials.of(managed, 9).created()));

        assertThat(CdcRows.managedNumber(CdcRows.write(m))).isEqualTo(m);
        assertThat(CdcRows.ssotRow(CdcRows.write(s))).isEqualTo(s);
    }

    @Test
    void shouldNameTheMissingColumnWhenContractIsBroken() {
        assertThatThrownBy(() -> CdcRows.managedNumber(utf8("{\"id\":\"a\",\"phone_number\":\"+1\",\"__deleted\":\"false\"}")))
                .isInstanceOf(MalformedCdcRecordException.class)
                .hasMessageContaining("managed_phone_numbers")
                .hasMessageContaining("'org_id'");
        assertThatThrownBy(() -> CdcRows.ssotRow(utf8("{\"org_id\":\"o\",\"provider\":\"twilio\",\"phone_number\":\"+1\","
                + "\"is_managed\":\"maybe\"}")))
                .isInstanceOf(MalformedCdcRecordException.class)
                .hasMessageContaining("'is_managed' must be a boolean");
    }

    @Test
    void shouldRejectValuesThatAreNotJsonObjects() {
        assertThatThrownBy(() -> CdcRows.managedNumber(utf8("not json")))
                .isInstanceOf(MalformedCdcRecordException.class).hasMessageContaining("is not JSON");
        assertThatThrownBy(() -> CdcRows.managedNumber(utf8("[1,2]")))
                .isInstanceOf(MalformedCdcRecordException.class).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> CdcRows.managedNumber(new byte[0]))
                .isInstanceOf(MalformedCdcRecordException.class);
    }

    @Test
    void shouldSkipNestedColumnsItDoesNotNeedAndRefuseThemWhereItNeedsAScalar() {
        String withExtras = managed.created().replaceFirst("\\{", "{\"__source\":{\"lsn\":[1,2,{\"x\":null}]},\"tags\":[],");
        assertThat(CdcRows.managedNumber(utf8(withExtras))).isEqualTo(CdcRows.managedNumber(utf8(managed.created())));
        assertThat(CdcRows.managedNumber(utf8(managed.created().replace("\"__deleted\":\"false\"", "\"__deleted\":true")))).isNull();

        assertThatThrownBy(() -> CdcRows.managedNumber(utf8("{\"id\":\"a\",\"org_id\":{\"nested\":1},\"phone_number\":\"+1\"}")))
                .isInstanceOf(MalformedCdcRecordException.class).hasMessageContaining("'org_id' must be a scalar, was OBJECT");
        assertThatThrownBy(() -> CdcRows.ssotRow(utf8("{\"org_id\":\"o\",\"provider\":\"twilio\",\"phone_number\":\"+1\","
                + "\"is_managed\":true,\"version\":\"v2\"}")))
                .isInstanceOf(MalformedCdcRecordException.class).hasMessageContaining("'version' must be a whole number");
        assertThatThrownBy(() -> CdcRows.managedNumber(utf8(managed.created().substring(0, 40))))
                .isInstanceOf(MalformedCdcRecordException.class).hasMessageContaining("is not JSON");
    }
}

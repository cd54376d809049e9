package com.voxanne.ssot.benchmarks.reconciler;

import com.voxanne.ssot.schemas.Topics;
import java.util.UUID;

/**
 * Change records exactly as the relay's contract describes them (flattened row JSON with snake_case columns,
 * {@code __op}, {@code __deleted}, {@code __source_ts_ms}, {@code __lsn}; key {@code orgId|phone}), made from an
 * index. Of N managed numbers, the first 90% have their SSOT row; the SSOT stream's other 10% are rows of numbers
 * that are not managed (legacy), so both streams carry N changes and 10% of the managed numbers are violations.
 */
final class SyntheticCdc {
    private static final String TS = "2026-02-09T23:33:02.000000Z";
    private static final long ORG_MSB = 0x0c0c_0000_0000_4000L;
    private static final long VARIANT = 0x8000_0000_0000_0000L;
    private static final int ORGS = 1_000;

    private final int count;

    SyntheticCdc(int count) {
        this.count = count;
    }

    int count() {
        return count;
    }

    /** The i-th SSOT row's index in managed-number space: the first 90% match a managed number, the rest do not. */
    int credentialsIndex(int i) {
        int matched = count - count / 10;
        return i < matched ? i : count + (i - matched);
    }

    static String key(int i) {
        return Topics.orgNumberKey(org(i), phone(i));
    }

    static String managed(int i) {
        return new StringBuilder(420)
                .append("{\"id\":\"").append(new UUID(0x3a3a_0000_0000_4000L, VARIANT | i))
                .append("\",\"org_id\":\"").append(org(i))
                .append("\",\"phone_number\":\"").append(phone(i))
                .append("\",\"twilio_sid\":\"").append(String.format("PN%032x", i))
                .append("\",\"vapi_phone_id\":\"").append(vapi(i))
                .append("\",\"status\":\"active\",\"request_id\":\"bench-cdc-").append(i)
                .append("\",\"friendly_name\":null,\"provisioned_at\":\"").append(TS)
                .append("\",\"released_at\":null,\"created_at\":\"").append(TS).append("\",\"updated_at\":\"").append(TS)
                .append("\",\"__op\":\"c\",\"__deleted\":\"false\",\"__source_ts_ms\":").append(System.currentTimeMillis())
                .append(",\"__lsn\":").append(1_000L + 2L * i).append('}').toString();
    }

    static String credentials(int i) {
        return new StringBuilder(360)
                .append("{\"id\":").append(i + 1)
                .append(",\"org_id\":\"").append(org(i))
                .append("\",\"provider\":\"twilio\",\"phone_number\":\"").append(phone(i))
                .append("\",\"vapi_phone_id\":\"").append(vapi(i))
                .append("\",\"twilio_sid\":\"").append(String.format("PN%032x", i))
                .append("\",\"is_managed\":true,\"last_event_id\":null,\"version\":1,\"created_at\":\"").append(TS)
                .append("\",\"updated_at\":\"").append(TS)
                .append("\",\"__op\":\"c\",\"__deleted\":\"false\",\"__source_ts_ms\":").append(System.currentTimeMillis())
                .append(",\"__lsn\":").append(1_001L + 2L * i).append('}').toString();
    }

    private static String org(int i) {
        return new UUID(ORG_MSB, VARIANT | (i % ORGS)).toString();
    }

    private static String phone(int i) {
        return "+1" + (3_000_000_000L + i);
    }

    private static String vapi(int i) {
        return new UUID(0x7a7a_0000_0000_4000L, VARIANT | i).toString();
    }
}

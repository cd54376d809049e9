package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/** Column list and row mapping of {@code provisioning_requests}, shared by the stores. */
final class SagaRows {
    static final String COLUMNS = "request_id, org_id, country_code, area_code, friendly_name, state, phone_number, twilio_sid,"
            + " vapi_phone_id, attempts, failure_point, error, compensation, lease_owner, lease_until, next_attempt_at,"
            + " arrival_seq, result_published, requested_at, received_at, updated_at, completed_at, lost_numbers,"
            + " traceparent, tracestate, kind, release_reason";

    private SagaRows() {
    }

    static SagaRecord map(ResultSet rs) throws SQLException {
        String fp = rs.getString("failure_point");
        return new SagaRecord(
                rs.getString("request_id"),
                rs.getString("org_id"),
                rs.getString("country_code"),
                rs.getString("area_code"),
                rs.getString("friendly_name"),
                SagaState.valueOf(rs.getString("state")),
                rs.getString("phone_number"),
                rs.getString("twilio_sid"),
                rs.getString("vapi_phone_id"),
                rs.getInt("attempts"),
                fp == null ? null : FailurePoint.valueOf(fp),
                rs.getString("error"),
                rs.getString("compensation"),
                rs.getString("lease_owner"),
                instant(rs, "lease_until"),
                instant(rs, "next_attempt_at"),
                rs.getLong("arrival_seq"),
                rs.getBoolean("result_published"),
                instant(rs, "requested_at"),
                instant(rs, "received_at"),
                instant(rs, "updated_at"),
                instant(rs, "completed_at"),
                rs.getString("lost_numbers"),
                rs.getString("traceparent"),
                rs.getString("tracestate"),
                SagaKind.valueOf(rs.getString("kind")),
                rs.getString("release_reason"));
    }

    static Optional<SagaRecord> single(PreparedStatement st) throws SQLException {
        try (ResultSet rs = st.executeQuery()) {
            return rs.next() ? Optional.of(map(rs)) : Optional.empty();
        }
    }

    static Optional<SagaRecord> find(Connection c, String requestId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + " FROM provisioning_requests WHERE request_id = ?")) {
            st.setString(1, requestId);
            return single(st);
        }
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** Shortens text for a text column; drops NUL characters, which PostgreSQL cannot store. */
    static String truncate(String s, int max) {
        if (s == null) {
            return null;
        }
        String clean = s.indexOf('\0') >= 0 ? s.replace("\0", "") : s;
        return clean.length() <= max ? clean : clean.substring(0, max) + "...";
    }
}

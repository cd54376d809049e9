package com.voxanne.ssot.reconciler.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;

/** Crafted rows in a test database (the tables of the V1 migration), committed at once. */
public final class Rows {
    private final DataSource dataSource;

    public Rows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public UUID organization(String name, String email) throws SQLException {
        UUID id = UUID.randomUUID();
        update("INSERT INTO organizations (id, name, email) VALUES (?, ?, ?)", id, name, email);
        return id;
    }

    /** An active managed number; returns its id. */
    public UUID managed(UUID org, String phone, String vapiPhoneId) throws SQLException {
        UUID id = UUID.randomUUID();
        update("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, status, request_id,"
                        + " provisioned_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
                id, org, phone, twilioSid(), vapiPhoneId, "req-" + id, Timestamp.from(Instant.parse("2026-02-09T23:33:02Z")));
        return id;
    }

    public UUID released(UUID org, String phone, String vapiPhoneId) throws SQLException {
        UUID id = UUID.randomUUID();
        Timestamp at = Timestamp.from(Instant.parse("2026-02-10T10:00:00Z"));
        update("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, status, request_id,"
                        + " provisioned_at, released_at) VALUES (?, ?, ?, ?, ?, 'released', ?, ?, ?)",
                id, org, phone, twilioSid(), vapiPhoneId, "req-" + id, at, at);
        return id;
    }

    public void credentials(UUID org, String phone, String vapiPhoneId, boolean managed) throws SQLException {
        update("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed, version)"
                + " VALUES (?, 'twilio', ?, ?, ?, ?, 1)", org, phone, vapiPhoneId, twilioSid(), managed);
    }

    private static String twilioSid() {
        return "PN" + UUID.randomUUID().toString().replace("-", "");
    }

    private void update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                ps.executeUpdate();
            }
            c.commit();
        }
    }
}

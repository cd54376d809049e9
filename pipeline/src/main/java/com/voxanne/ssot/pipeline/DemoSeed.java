package com.voxanne.ssot.pipeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Demo organisations for a fresh embedded database, so that {@code ./ssot provision --org voxanne@demo.com}
 * works right away. Never applied to an external database.
 */
public final class DemoSeed {
    /** The organisation of the incident write-up (../shared/seed). */
    public static final UUID VOXANNE_ID = UUID.fromString("46cf2995-2bee-44e3-838b-24151486fe4e");
    public static final String VOXANNE_EMAIL = "voxanne@demo.com";

    public record Org(UUID id, String name, String email) {
    }

    public static final List<Org> ORGS = List.of(
            new Org(VOXANNE_ID, "Voxanne Demo Clinic", VOXANNE_EMAIL),
            new Org(UUID.fromString("7b0c3a52-5d0e-4c56-9a55-2f1f7c3f4a10"), "Harbor Dental Group", "ops@harbordental.example"),
            new Org(UUID.fromString("c1e8f7a4-3b2d-4e6f-8a9b-0c1d2e3f4a5b"), "Northside Physio", "admin@northsidephysio.example"));

    private DemoSeed() {
    }

    /** Inserts the demo organisations that are missing; returns how many were inserted. */
    public static int apply(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO organizations (id, name, email) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            int inserted = 0;
            for (Org org : ORGS) {
                ps.setObject(1, org.id());
                ps.setString(2, org.name());
                ps.setString(3, org.email());
                inserted += ps.executeUpdate();
            }
            c.commit();
            return inserted;
        }
    }
}

package com.voxanne.ssot.cli.runtime;

import com.voxanne.ssot.cli.Ssot.UserError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;

/** Resolves {@code --org ID|EMAIL} to an organisation, the way the seed's scripts looked orgs up by email. */
public final class Orgs {
    public record Org(UUID id, String name, String email) {
    }

    private Orgs() {
    }

    public static Org resolve(DataSource dataSource, String idOrEmail) throws SQLException {
        String arg = idOrEmail.trim();
        boolean byEmail = arg.contains("@");
        if (!byEmail) {
            try {
                UUID.fromString(arg);
            } catch (IllegalArgumentException e) {
                throw new UserError("--org must be an organisation id (uuid) or its email, was '" + arg + "'");
            }
        }
        String sql = byEmail
                ? "SELECT id, name, email FROM organizations WHERE email = ?"
                : "SELECT id, name, email FROM organizations WHERE id = ?::uuid";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, byEmail ? arg.toLowerCase(Locale.ROOT) : arg);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new UserError("no organisation " + (byEmail ? "with email " : "with id ") + arg);
                }
                return new Org(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3));
            } finally {
                c.rollback();
            }
        }
    }
}

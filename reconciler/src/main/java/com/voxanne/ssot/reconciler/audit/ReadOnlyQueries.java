package com.voxanne.ssot.reconciler.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Runs one read-only unit of work on a pooled connection and ends its transaction (the pool's
 * connections are autocommit off). Shared by the audit commands; they need Postgres only, never Kafka.
 */
final class ReadOnlyQueries {
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    ReadOnlyQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            try {
                T result = work.run(c);
                if (!c.getAutoCommit()) {
                    c.commit();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new DatabaseReadException("cannot read " + what + " from the database: " + e.getMessage(), e);
        }
    }

    /** The organisation with this uuid, or with this email (case-insensitive). */
    static Organization organization(Connection c, String idOrEmail) throws SQLException {
        String trimmed = idOrEmail == null ? "" : idOrEmail.trim();
        Optional<UUID> id = parseUuid(trimmed);
        String sql = id.isPresent()
                ? "SELECT id, name, email FROM organizations WHERE id = ?"
                : "SELECT id, name, email FROM organizations WHERE email = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (id.isPresent()) {
                ps.setObject(1, id.get());
            } else {
                ps.setString(1, trimmed.toLowerCase(Locale.ROOT));
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new UnknownOrganizationException(trimmed);
                }
                return new Organization(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("email"));
            }
        }
    }

    private static Optional<UUID> parseUuid(String s) {
        if (s.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

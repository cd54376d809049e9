package com.voxanne.ssot.benchmarks.infra;

import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A fresh, migrated database on the bench's PostgreSQL, with a small pool for the bench's own statements (set-up,
 * resets, probes). Services under test open their own pools from {@link #settings()}.
 */
public final class BenchDatabase implements AutoCloseable {
    private final String name;
    private final DatabaseSettings settings;
    private final HikariDataSource pool;

    BenchDatabase(String name, DatabaseSettings settings, HikariDataSource pool) {
        this.name = name;
        this.settings = settings;
        this.pool = pool;
    }

    public String name() {
        return name;
    }

    public DatabaseSettings settings() {
        return settings;
    }

    public String jdbcUrl() {
        return settings.jdbcUrl();
    }

    public String user() {
        return settings.user();
    }

    /** The bench's own pool (autocommit off). */
    public HikariDataSource pool() {
        return pool;
    }

    /** Runs statements in one transaction and commits. */
    public void execute(String... sql) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
            c.commit();
        }
    }

    /** Runs a statement outside any transaction (CHECKPOINT, VACUUM). */
    public void executeAutocommit(String sql) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            try {
                st.execute(sql);
            } finally {
                c.setAutoCommit(false);
            }
        }
    }

    /** The first column of the first row, as text (empty when there is no row). */
    public Optional<String> queryString(String sql) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            Optional<String> out = rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            c.rollback();
            return out;
        }
    }

    public long queryLong(String sql) throws SQLException {
        return queryString(sql).map(Long::parseLong).orElse(0L);
    }

    /**
     * Inserts one organisation per id, in one statement, and commits: the n-th is named {@code name + n} and reached at
     * {@code emailLocalPart + n + "@bench.example"} (emails are unique).
     */
    public void insertOrganisations(List<UUID> ids, String name, String emailLocalPart) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO organizations (id, name, email) SELECT id, ?::text || ord,"
                     + " ?::text || ord || '@bench.example' FROM unnest(?::uuid[]) WITH ORDINALITY AS t(id, ord)")) {
            ps.setString(1, name);
            ps.setString(2, emailLocalPart);
            updateWithUuids(c, ps, 3, ids);
            c.commit();
        }
    }

    /** Runs {@code ps} with {@code ids} bound as one uuid[] parameter at {@code index}; the array is freed after. */
    public static int updateWithUuids(Connection c, PreparedStatement ps, int index, List<UUID> ids) throws SQLException {
        Array array = c.createArrayOf("uuid", ids.toArray());
        try {
            ps.setArray(index, array);
            return ps.executeUpdate();
        } finally {
            array.free();
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}

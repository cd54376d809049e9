package com.voxanne.ssot.testkit;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CREATE/DROP DATABASE and replication-slot housekeeping, over short-lived autocommit connections. */
final class PostgresAdmin {
    private static final Logger log = LoggerFactory.getLogger(PostgresAdmin.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String OBJECT_IN_USE = "55006";
    private static final String UNDEFINED_OBJECT = "42704";
    private static final Duration SLOT_DROP_TIMEOUT = Duration.ofSeconds(30);

    private final StackBackend backend;

    PostgresAdmin(StackBackend backend) {
        this.backend = backend;
    }

    Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", backend.user());
        backend.password().ifPresent(p -> props.setProperty("password", p.reveal()));
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(backend.jdbcUrl(database), props);
    }

    Connection connectMaintenance() throws SQLException {
        return connect(backend.maintenanceDatabase());
    }

    void createDatabase(String name, Optional<String> template) {
        String sql = "CREATE DATABASE " + quote(name) + template.map(t -> " TEMPLATE " + quote(t)).orElse("");
        try (Connection c = connectMaintenance(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name + template.map(t -> " from template " + t).orElse(""), e);
        }
    }

    boolean databaseExists(String name) {
        try (Connection c = connectMaintenance(); PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not look up database " + name, e);
        }
    }

    /** Slot names in {@code database}, or in every database if it is empty. */
    List<String> replicationSlots(Optional<String> database) {
        String sql = "SELECT slot_name FROM pg_replication_slots" + (database.isPresent() ? " WHERE database = ?" : "") + " ORDER BY slot_name";
        try (Connection c = connectMaintenance(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (database.isPresent()) {
                ps.setString(1, database.get());
            }
            List<String> slots = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    slots.add(rs.getString(1));
                }
            }
            return slots;
        } catch (SQLException e) {
            throw new IllegalStateException("could not list replication slots" + database.map(d -> " of " + d).orElse(""), e);
        }
    }

    /**
     * Drops every replication slot of {@code database} (every slot anywhere if it is empty): terminates the WAL senders
     * holding them first, and retries while a slot is still marked active.
     */
    void dropReplicationSlots(Optional<String> database) {
        String where = database.isPresent() ? " WHERE database = ?" : "";
        try (Connection c = connectMaintenance()) {
            await("replication slots of " + database.orElse("every database") + " dropped")
                    .atMost(SLOT_DROP_TIMEOUT)
                    .pollInSameThread()
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> dropSlotsOnce(c, where, database));
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop replication slots" + database.map(d -> " of " + d).orElse(""), e);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("replication slots " + replicationSlots(database) + " are still in use after "
                    + SLOT_DROP_TIMEOUT, e);
        }
    }

    private static boolean dropSlotsOnce(Connection c, String where, Optional<String> database) throws SQLException {
        List<String> slots = new ArrayList<>();
        List<Integer> activePids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT slot_name, active_pid FROM pg_replication_slots" + where)) {
            if (database.isPresent()) {
                ps.setString(1, database.get());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    slots.add(rs.getString(1));
                    int pid = rs.getInt(2);
                    if (!rs.wasNull()) {
                        activePids.add(pid);
                    }
                }
            }
        }
        if (slots.isEmpty()) {
            return true;
        }
        for (int pid : activePids) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
                ps.setInt(1, pid);
                ps.execute();
            }
        }
        boolean allDropped = true;
        for (String slot : slots) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                ps.setString(1, slot);
                ps.execute();
                log.debug("Dropped replication slot {}", slot);
            } catch (SQLException e) {
                if (OBJECT_IN_USE.equals(e.getSQLState())) {
                    allDropped = false; // its WAL sender is still exiting: next round
                } else if (!UNDEFINED_OBJECT.equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
        return allDropped;
    }

    /** Drops {@code name} (slots first, then the database; other sessions are terminated). */
    void dropDatabase(String name) {
        dropReplicationSlots(Optional.of(name));
        try (Connection c = connectMaintenance(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test database " + name, e);
        }
    }

    static String quote(String identifier) {
        if (!IDENTIFIER.matcher(identifier).matches()) {
            throw new IllegalArgumentException("not a lower-case SQL identifier of at most 63 characters: '" + identifier + "'");
        }
        return "\"" + identifier + "\"";
    }
}

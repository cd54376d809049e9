package com.voxanne.ssot.relay.slot;

import com.voxanne.ssot.platform.service.DatabaseSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and drops logical replication slots. A slot keeps WAL on the server until its consumer confirms
 * it, so a relay that is retired for good (or a test) must drop its slot; a restart must not.
 */
public final class ReplicationSlots {
    private static final Logger log = LoggerFactory.getLogger(ReplicationSlots.class);
    private static final String SAMPLE = "SELECT active, confirmed_flush_lsn::text, coalesce(active_pid, 0),"
            + " CASE WHEN confirmed_flush_lsn IS NULL THEN -1"
            + " ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint END, wal_status"
            + " FROM pg_replication_slots WHERE slot_name = ?";

    private ReplicationSlots() {
    }

    /**
     * Why {@code slotName} cannot be this database's relay slot, if it cannot: replication slots are cluster-wide, so
     * a name another database (another deployment on the same server) already uses, or a slot of another kind, would
     * have the relay restart forever on "replication slot already exists".
     *
     * @param setting the setting that names the slot, for the message
     */
    public static Optional<String> conflict(Connection connection, String slotName, String setting) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT s.database, s.slot_type, s.plugin, current_database()"
                + " FROM pg_replication_slots s WHERE s.slot_name = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String database = rs.getString(1);
                String type = rs.getString(2);
                String plugin = rs.getString(3);
                String ours = rs.getString(4);
                if (!"logical".equals(type)) {
                    return Optional.of(setting + " names replication slot '" + slotName + "', which is a " + type
                            + " slot on this PostgreSQL server, not a logical one: give the relay a slot name of its own");
                }
                if (!ours.equals(database)) {
                    return Optional.of(setting + " names replication slot '" + slotName + "', which belongs to database '"
                            + database + "' on this PostgreSQL server (slot names are server-wide), not to '" + ours
                            + "': give this deployment's relay a slot name of its own");
                }
                if (!"pgoutput".equals(plugin)) {
                    return Optional.of(setting + " names replication slot '" + slotName + "' of database '" + ours
                            + "', which decodes with '" + plugin + "', not pgoutput: it is not a relay slot");
                }
                return Optional.empty();
            }
        }
    }

    /** The slot as it is now ({@link SlotState#exists()} false when there is none). */
    /**
     * PostgreSQL's {@code max_slot_wal_keep_size} as it reports it ({@code -1} is unlimited: a slot that stops moving
     * keeps WAL until the disk is full).
     */
    public static String walKeepLimit(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SHOW max_slot_wal_keep_size"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    public static SlotState sample(Connection connection, String slotName) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(SAMPLE)) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new SlotState(false, false, 0, -1, null, null);
                }
                return new SlotState(true, rs.getBoolean(1), rs.getInt(3), rs.getLong(4), rs.getString(2), rs.getString(5));
            }
        }
    }

    /**
     * Drops the slot once no one streams from it, for an operator retiring a relay (the relay must be
     * stopped first) and for tests. Waits up to {@code timeout} for a walsender that is shutting down.
     *
     * @return true when a slot was dropped, false when there was none
     * @throws TimeoutException when the slot is still in use after {@code timeout}
     */
    public static boolean drop(DatabaseSettings database, String slotName, Duration timeout)
            throws SQLException, InterruptedException, TimeoutException {
        Properties props = new Properties();
        props.setProperty("user", database.user());
        database.password().ifPresent(p -> props.setProperty("password", p.reveal()));
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), props)) {
            c.setAutoCommit(true);
            return drop(c, slotName, timeout);
        }
    }

    /** {@link #drop(DatabaseSettings, String, Duration)} on an open connection (autocommit on). */
    public static boolean drop(Connection connection, String slotName, Duration timeout)
            throws SQLException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SlotState state = sample(connection, slotName);
            if (!state.exists()) {
                return false;
            }
            if (!state.active()) {
                try (PreparedStatement ps = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                    ps.setString(1, slotName);
                    ps.execute();
                    log.info("Dropped replication slot {}", slotName);
                    return true;
                } catch (SQLException e) {
                    // "55006 object in use": a walsender took it between our look and the drop; look again
                    if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("replication slot " + slotName + " is still in use after " + timeout
                        + "; stop the relay that streams from it first");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}

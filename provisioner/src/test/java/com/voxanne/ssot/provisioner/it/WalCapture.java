package com.voxanne.ssot.provisioner.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What the relay would see: the WAL of a test database, decoded by a test_decoding logical slot (the relay itself is
 * not on the provisioner's test classpath). Closing drops the slot.
 */
final class WalCapture implements AutoCloseable {
    private final DataSource dataSource;
    private final String slot;

    /** Starts recording from now on. */
    WalCapture(DataSource dataSource) {
        this.dataSource = dataSource;
        this.slot = "prov_wal_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        call("SELECT pg_create_logical_replication_slot(?, 'test_decoding')", "create");
    }

    /** The changes committed since the last call (consumes them), e.g. {@code table public.outbox: INSERT: id[uuid]:'...'}. */
    List<String> next() {
        return call("SELECT data FROM pg_logical_slot_get_changes(?, NULL, NULL)", "read");
    }

    @Override
    public void close() {
        call("SELECT pg_drop_replication_slot(?)", "drop");
    }

    private List<String> call(String sql, String what) {
        List<String> lines = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement st = c.prepareStatement(sql)) {
                st.setString(1, slot);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        lines.add(rs.getString(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot " + what + " the WAL capture slot " + slot, e);
        }
        return lines;
    }
}

package com.voxanne.ssot.provisioner.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Runs a unit of work in one transaction on a pooled connection (autocommit off) and translates failures:
 * constraint and data errors become {@link DataConflictException}, anything else {@link StoreUnavailableException}.
 */
public final class Transactions {
    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Work inside a transaction; it must not commit or roll back itself. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    /** Runs {@code work} and commits; rolls back on any failure (a rollback failure is attached, not hidden). */
    public <T> T inTransaction(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw translate(what, e);
        }
    }

    public static StoreException translate(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("23") || state.startsWith("22")) {
            return new DataConflictException(what + " refused by the database (SQLSTATE " + state + "): " + e.getMessage(), state, e);
        }
        return new StoreUnavailableException(what + " failed (SQLSTATE " + (state.isEmpty() ? "none" : state) + "): " + e.getMessage(), e);
    }
}

package com.voxanne.ssot.projector.store;

import java.sql.SQLException;

/**
 * Tells a record's fault from the database's. A data exception (SQLState class 22) or an integrity
 * violation (class 23) is caused by the values written and will fail again on every retry; anything else
 * (connection lost, shutdown, deadlock, serialization, resources, permissions) is the database's and is
 * retried with backoff, never skipped.
 */
public final class SqlErrors {
    private SqlErrors() {
    }

    public static boolean isCausedByData(SQLException e) {
        for (SQLException cur = e; cur != null; cur = cur.getNextException()) {
            String state = cur.getSQLState();
            if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                return true;
            }
            if (cur.getNextException() == cur) {
                break;
            }
        }
        return false;
    }
}

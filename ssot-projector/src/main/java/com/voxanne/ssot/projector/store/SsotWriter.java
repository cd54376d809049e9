package com.voxanne.ssot.projector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Which of the pipeline's writers an SSOT write comes from, recorded in {@code org_credentials.written_by} by the
 * database's trigger (migration V9) so that the reconciler's compliance timeline can say what resolved a violation.
 *
 * <p>The writer travels as the transaction-local setting {@code ssot.writer} rather than as a column of the upsert:
 * a write that does not set it (an operator's manual SQL) is recorded as {@code operator} without anyone having to
 * remember to say so. {@link #tag} must run in the same transaction as the upsert, before it; a rollback clears it.
 */
public enum SsotWriter {
    /** The projector's normal path (events from the event log as they arrive). */
    PROJECTOR("projector"),
    /** A backfill replaying the event log through the projector's write. */
    BACKFILL("backfill");

    static final String SET_WRITER_SQL = "SELECT set_config('ssot.writer', ?, true)";

    private final String column;

    SsotWriter(String column) {
        this.column = column;
    }

    /** The value the trigger records in {@code written_by}. */
    public String column() {
        return column;
    }

    /** Marks the current transaction of {@code connection} as this writer's (until it commits or rolls back). */
    public void tag(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(SET_WRITER_SQL)) {
            ps.setString(1, column);
            ps.execute();
        }
    }
}

package com.voxanne.ssot.projector.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What one batch's transaction does with its validated candidates: the projector's write
 * ({@link RefusingBatchWrite}) or, for a backfill dry run, only an evaluation of what it would write.
 * Implementations return refusals for candidates that can never be written and throw for everything else
 * (the caller rolls back and retries the same batch).
 */
public interface BatchWrite {
    <T> WriteResult<T> write(Connection connection, List<Candidate<T>> candidates) throws SQLException;
}

package com.voxanne.ssot.projector.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Writes (or, for a dry run, only evaluates) a batch of validated candidates in the caller's transaction.
 * Implementations return refusals for candidates that can never be written and throw for everything else
 * (the caller rolls back and retries the same batch).
 */
public interface SsotWrite {
    <T> WriteResult<T> write(Connection connection, List<Candidate<T>> candidates) throws SQLException;
}

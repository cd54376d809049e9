package com.voxanne.ssot.provisioner.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Which finished sagas still owe their result to the results topic, and sending one with its row locked. */
public final class SagaResults {
    private static final String TERMINAL = SagaState.sqlList(SagaState.TERMINAL);

    private final Transactions tx;

    public SagaResults(DataSource dataSource) {
        this.tx = new Transactions(dataSource);
    }

    /** Finished sagas whose result is not on the results topic yet, oldest first. */
    public List<String> unpublishedResults(int limit) {
        return tx.inTransaction("list unpublished results", c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT request_id FROM provisioning_requests"
                    + " WHERE result_published = false AND state IN " + TERMINAL + " ORDER BY arrival_seq LIMIT ?")) {
                st.setInt(1, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            return ids;
        });
    }

    /** Sends a finished saga's result; called with the row locked, before the flag is set in the same transaction. */
    @FunctionalInterface
    public interface ResultSink {
        void send(SagaRecord finished) throws Exception;
    }

    /** Thrown when the sink could not send: nothing was marked, the result will be sent again. */
    public static final class ResultNotSentException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ResultNotSentException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Sends the result of a finished saga and marks it sent, unless another worker holds it or it was sent already.
     * The row is locked while sending, so two instances never both send it; a crash after sending and before the
     * commit sends it again (results carry a deterministic eventId, consumers deduplicate). Marking it published also
     * clears the (finished) saga's lease.
     *
     * @return true if this call sent it
     */
    public boolean publishResult(String requestId, ResultSink sink) {
        return tx.inTransaction("publish the result of " + requestId, c -> {
            Optional<SagaRecord> finished;
            try (PreparedStatement st = c.prepareStatement("SELECT " + SagaRows.COLUMNS + " FROM provisioning_requests"
                    + " WHERE request_id = ? AND result_published = false AND state IN " + TERMINAL + " FOR UPDATE SKIP LOCKED")) {
                st.setString(1, requestId);
                finished = SagaRows.single(st);
            }
            if (finished.isEmpty()) {
                return false;
            }
            try {
                sink.send(finished.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ResultNotSentException("interrupted while sending the result of " + requestId, e);
            } catch (Exception e) {
                throw new ResultNotSentException("could not send the result of " + requestId + ": " + e.getMessage(), e);
            }
            // a finished saga's lease guards nothing any more: clearing it here spares the worker a separate release
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET result_published = true,"
                    + " lease_owner = NULL, lease_until = NULL WHERE request_id = ?")) {
                st.setString(1, requestId);
                st.executeUpdate();
            }
            return true;
        });
    }
}

package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.provisioner.outbox.ManagedNumber;
import com.voxanne.ssot.provisioner.outbox.NumberProvisionedFactory;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The saga side of {@code provisioning_requests}: leases, state transitions and the final write.
 *
 * <p>Every write is fenced by the lease: it names the owner and the state it expects, and a write that matches no
 * row means the saga is no longer ours ({@link LeaseLostException}). The owner is a token unique per claimed saga (instance
 * id, a claim number and the request id), so not even two workers of one instance can hold the same saga. Only the oldest unfinished request of an
 * organisation can be claimed, so one organisation's requests run one at a time in arrival order while other
 * organisations run in parallel; {@code FOR UPDATE SKIP LOCKED} lets many workers and instances claim at once.
 */
public final class SagaStore {
    /** The unique index that lets one unfinished saga hold a number (migration V4). */
    private static final String INFLIGHT_PHONE_KEY = "provisioning_requests_inflight_phone_key";
    private static final String UNFINISHED = "('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING')";
    private static final String TERMINAL = "('COMPLETED', 'FAILED', 'REJECTED')";
    private static final String LEASE = "now() + (? * interval '1 millisecond')";

    private static final String CLAIM = "WITH candidate AS ("
            + " SELECT p.request_id FROM provisioning_requests p"
            + " WHERE p.state IN " + UNFINISHED
            + " AND p.next_attempt_at <= now()"
            + " AND (p.lease_until IS NULL OR p.lease_until < now())"
            + " AND NOT EXISTS (SELECT 1 FROM provisioning_requests o WHERE o.org_id = p.org_id"
            + "   AND o.arrival_seq < p.arrival_seq AND o.state IN " + UNFINISHED + ")"
            + " ORDER BY p.arrival_seq LIMIT ? FOR UPDATE SKIP LOCKED)"
            + " UPDATE provisioning_requests r SET lease_owner = ? || ':' || r.request_id, lease_until = " + LEASE
            + " FROM candidate WHERE r.request_id = candidate.request_id RETURNING r.*";

    private final Transactions tx;
    private final OutboxWriter outbox;

    public SagaStore(DataSource dataSource, OutboxWriter outbox) {
        this.tx = new Transactions(dataSource);
        this.outbox = outbox;
    }

    /** Leases the next saga that may run now, if any (see {@link #claim}). */
    public Optional<SagaRecord> claimNext(String claimToken, Duration lease) {
        return claim(claimToken, 1, lease).stream().findFirst();
    }

    /**
     * Leases up to {@code max} sagas that may run now, oldest first, in one transaction. Each gets its own lease
     * owner, {@code claimToken:requestId}, so the token must be unique to this claim (instance id plus a counter).
     * At most one saga per organisation can be returned: a later request of an org waits for its earlier ones.
     */
    public List<SagaRecord> claim(String claimToken, int max, Duration lease) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, was " + max);
        }
        return tx.inTransaction("claim sagas", c -> {
            try (PreparedStatement st = c.prepareStatement(CLAIM)) {
                st.setInt(1, max);
                st.setString(2, claimToken);
                st.setLong(3, lease.toMillis());
                List<SagaRecord> claimed = new ArrayList<>(max);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(SagaRows.map(rs));
                    }
                }
                return claimed;
            }
        });
    }

    /**
     * Takes the saga back after an interruption (e.g. the database was down): still ours (possibly finished by our own
     * commit whose answer was lost), or unfinished, expired and not taken by anyone else. Returns the stored state.
     */
    public SagaRecord reclaim(String requestId, String owner, Duration lease) {
        return tx.inTransaction("reclaim saga " + requestId, c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET lease_owner = ?, lease_until = " + LEASE
                    + " WHERE request_id = ? AND (lease_owner = ? OR (state IN " + UNFINISHED
                    + " AND (lease_until IS NULL OR lease_until < now())))"
                    + " RETURNING *")) {
                st.setString(1, owner);
                st.setLong(2, lease.toMillis());
                st.setString(3, requestId);
                st.setString(4, owner);
                return SagaRows.single(st).orElseThrow(() -> new LeaseLostException(requestId, owner));
            }
        });
    }

    /** Counts one more attempt of the current step and renews the lease, BEFORE the side effect is tried. */
    public SagaRecord beginAttempt(SagaRecord saga, String owner, Duration lease) {
        return update(saga, owner, "count an attempt of", "attempts = attempts + 1, lease_until = " + LEASE,
                st -> st.setLong(1, lease.toMillis()), 1);
    }

    /** Renews the lease (before a long call), proving it is still ours. */
    public SagaRecord renew(SagaRecord saga, String owner, Duration lease) {
        return update(saga, owner, "renew the lease of", "lease_until = " + LEASE, st -> st.setLong(1, lease.toMillis()), 1);
    }

    /**
     * Picks the first candidate that no other unfinished saga holds and no active managed number has, and stores it
     * (state NUMBER_CHOSEN) before anything is bought. Empty when every candidate is taken. No lock is needed: the
     * unique index {@code provisioning_requests_inflight_phone_key} lets one unfinished saga hold a number, so a saga
     * racing another for the same candidate gets a unique violation (after the other commits) and tries the next.
     *
     * <p>The order matters: claim first, then look for an active managed number. A saga that finished with this
     * number left the index and inserted its managed row in one transaction, so once our claim succeeded that row
     * is committed, and the next statement's snapshot (READ COMMITTED) sees it. Checking before claiming would let
     * a saga that finishes in between hand us a number that is already sold.
     */
    public Optional<SagaRecord> chooseNumber(SagaRecord saga, String owner, Duration lease, List<String> candidates) {
        return tx.inTransaction("choose a number for " + saga.requestId(), c -> {
            for (String candidate : candidates) {
                Savepoint beforeClaim = c.setSavepoint();
                Optional<SagaRecord> chosen;
                try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET state = 'NUMBER_CHOSEN',"
                        + " phone_number = ?, attempts = 0, error = NULL, updated_at = now(), lease_until = " + LEASE
                        + " WHERE request_id = ? AND lease_owner = ? AND state = 'RECEIVED' RETURNING *")) {
                    st.setString(1, candidate);
                    st.setLong(2, lease.toMillis());
                    st.setString(3, saga.requestId());
                    st.setString(4, owner);
                    chosen = SagaRows.single(st);
                } catch (SQLException e) {
                    if (!INFLIGHT_PHONE_KEY.equals(violatedConstraint(e))) {
                        throw e;
                    }
                    c.rollback(beforeClaim); // another unfinished saga holds this number: try the next
                    continue;
                }
                if (chosen.isEmpty()) {
                    throw new LeaseLostException(saga.requestId(), owner);
                }
                if (isActiveManagedNumber(c, candidate)) {
                    c.rollback(beforeClaim); // already sold to a finished saga: try the next
                    continue;
                }
                c.releaseSavepoint(beforeClaim);
                return chosen;
            }
            return Optional.empty();
        });
    }

    /** The constraint a unique violation names, or null for any other error. */
    private static String violatedConstraint(SQLException e) {
        if (!"23505".equals(e.getSQLState()) || !(e instanceof org.postgresql.util.PSQLException pe)
                || pe.getServerErrorMessage() == null) {
            return null;
        }
        return pe.getServerErrorMessage().getConstraint();
    }

    private static boolean isActiveManagedNumber(Connection c, String phone) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT 1 FROM managed_phone_numbers WHERE phone_number = ? AND status = 'active'")) {
            st.setString(1, phone);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Moves to the next state, storing what the step learned (a null field keeps the stored value). */
    public SagaRecord advance(SagaRecord saga, String owner, Duration lease, SagaState to, String twilioSid, String vapiPhoneId) {
        return update(saga, owner, "move to " + to + ":",
                "state = ?, twilio_sid = COALESCE(?, twilio_sid), vapi_phone_id = COALESCE(?, vapi_phone_id), attempts = 0,"
                        + " error = NULL, updated_at = now(), lease_until = " + LEASE,
                st -> {
                    st.setString(1, to.name());
                    st.setString(2, twilioSid);
                    st.setString(3, vapiPhoneId);
                    st.setLong(4, lease.toMillis());
                }, 4);
    }

    /**
     * NUMBER_CHOSEN -> RECEIVED: another buyer bought the chosen number (Twilio refused it and the read-back shows we do
     * not own it). The number is added to lost_numbers and released from the in-flight index, so the saga chooses
     * another candidate next (never one it lost).
     */
    public SagaRecord loseNumber(SagaRecord saga, String owner, Duration lease, String why) {
        return update(saga, owner, "record a lost number of",
                "state = 'RECEIVED', lost_numbers = CASE WHEN lost_numbers IS NULL OR lost_numbers = '' THEN phone_number"
                        + " ELSE lost_numbers || ',' || phone_number END, phone_number = NULL, attempts = 0, error = ?,"
                        + " updated_at = now(), lease_until = " + LEASE,
                st -> {
                    st.setString(1, SagaRows.truncate(why, 1000));
                    st.setLong(2, lease.toMillis());
                }, 2);
    }

    /** Gives the saga back until {@code delay} has passed, noting why (redacted by the caller). */
    public void retryLater(SagaRecord saga, String owner, Duration delay, String error, boolean countAttempt) {
        update(saga, owner, "schedule a retry of",
                "next_attempt_at = now() + (? * interval '1 millisecond'), error = ?, attempts = attempts + ?,"
                        + " lease_owner = NULL, lease_until = NULL",
                st -> {
                    st.setLong(1, delay.toMillis());
                    st.setString(2, SagaRows.truncate(error, 1000));
                    st.setInt(3, countAttempt ? 1 : 0);
                }, 3);
    }

    /**
     * Records a failure: COMPENSATING when something was bought and must be released, else FAILED (with
     * {@code compensationNote} saying why nothing needed releasing).
     */
    public SagaRecord fail(SagaRecord saga, String owner, Duration lease, FailurePoint point, String error, boolean compensate,
                           String compensationNote) {
        return update(saga, owner, "record the failure of",
                "state = ?, failure_point = ?, error = ?, compensation = ?, attempts = 0, updated_at = now(),"
                        + " completed_at = CASE WHEN ? THEN NULL ELSE now() END, lease_until = " + LEASE,
                st -> {
                    st.setString(1, compensate ? SagaState.COMPENSATING.name() : SagaState.FAILED.name());
                    st.setString(2, point.name());
                    st.setString(3, SagaRows.truncate(error, 1000));
                    st.setString(4, compensate ? null : compensationNote);
                    st.setBoolean(5, compensate);
                    st.setLong(6, lease.toMillis());
                }, 6);
    }

    /** Records compensation progress; {@code done} ends the saga as FAILED. */
    public SagaRecord recordCompensation(SagaRecord saga, String owner, Duration lease, String compensation, boolean done) {
        return update(saga, owner, "record the compensation of",
                "compensation = ?, state = CASE WHEN ? THEN 'FAILED' ELSE state END,"
                        + " completed_at = CASE WHEN ? THEN now() ELSE completed_at END, attempts = 0, updated_at = now(),"
                        + " lease_until = " + LEASE,
                st -> {
                    st.setString(1, compensation);
                    st.setBoolean(2, done);
                    st.setBoolean(3, done);
                    st.setLong(4, lease.toMillis());
                }, 4);
    }

    /** Gives the lease up (the saga finished, or this worker stops). */
    public void release(SagaRecord saga, String owner) {
        tx.inTransaction("release saga " + saga.requestId(), c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET lease_owner = NULL, lease_until = NULL"
                    + " WHERE request_id = ? AND lease_owner = ?")) {
                st.setString(1, saga.requestId());
                st.setString(2, owner);
                return st.executeUpdate();
            }
        });
    }

    /**
     * THE final write, in ONE transaction: the managed_phone_numbers row, its NumberProvisioned through the outbox and
     * the saga state COMPLETED. {@code beforeCommit} runs inside the
     * transaction after every statement and before the commit (the crash-test seam). Idempotent: a saga already
     * COMPLETED (e.g. the commit's answer was lost) is returned as it is.
     */
    public SagaRecord complete(SagaRecord saga, String owner, Duration lease, ManagedNumber number, Runnable beforeCommit) {
        return tx.inTransaction("complete saga " + saga.requestId(), c -> {
            Optional<SagaRecord> moved;
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET state = 'COMPLETED', attempts = 0,"
                    + " error = NULL, updated_at = now(), completed_at = now(), lease_until = " + LEASE
                    + " WHERE request_id = ? AND lease_owner = ? AND state = 'IMPORTED' RETURNING *")) {
                st.setLong(1, lease.toMillis());
                st.setString(2, saga.requestId());
                st.setString(3, owner);
                moved = SagaRows.single(st);
            }
            if (moved.isEmpty()) {
                SagaRecord current = find(c, saga.requestId()).orElseThrow(() -> new LeaseLostException(saga.requestId(), owner));
                if (current.state() == SagaState.COMPLETED) {
                    return current;
                }
                throw new LeaseLostException(saga.requestId(), owner);
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid,"
                    + " vapi_phone_id, status, request_id, friendly_name, provisioned_at)"
                    + " VALUES (?::uuid, ?::uuid, ?, ?, ?, 'active', ?, ?, ?)")) {
                st.setString(1, number.id());
                st.setString(2, number.orgId());
                st.setString(3, number.phoneNumber());
                st.setString(4, number.twilioSid());
                st.setString(5, number.vapiPhoneId());
                st.setString(6, number.requestId());
                st.setString(7, number.friendlyName());
                st.setObject(8, SagaRows.timestamp(number.provisionedAt()));
                st.executeUpdate();
            }
            outbox.write(c, NumberProvisionedFactory.from(number));
            beforeCommit.run();
            return moved.get();
        });
    }

    /** The active managed number with this E.164, if any: whose it is decides whether compensation may release it. */
    public record ActiveNumber(String requestId, String orgId, String twilioSid, String vapiPhoneId) {
    }

    public Optional<ActiveNumber> activeNumber(String phoneNumber) {
        return tx.inTransaction("look up managed number " + phoneNumber, c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT request_id, org_id::text, twilio_sid, vapi_phone_id"
                    + " FROM managed_phone_numbers WHERE phone_number = ? AND status = 'active'")) {
                st.setString(1, phoneNumber);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new ActiveNumber(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                            : Optional.empty();
                }
            }
        });
    }

    public Optional<SagaRecord> find(String requestId) {
        return tx.inTransaction("read saga " + requestId, c -> find(c, requestId));
    }

    private static Optional<SagaRecord> find(Connection c, String requestId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT " + SagaRows.COLUMNS + " FROM provisioning_requests WHERE request_id = ?")) {
            st.setString(1, requestId);
            return SagaRows.single(st);
        }
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

    /**
     * Unfinished sagas that hold, or may hold, a paid number: a purchase attempt was sent (NUMBER_CHOSEN with attempts),
     * it was bought (PURCHASED, IMPORTED), or it is being released (COMPENSATING).
     */
    public static final String HOLDS_A_NUMBER = "(state IN ('PURCHASED', 'IMPORTED', 'COMPENSATING')"
            + " OR (state = 'NUMBER_CHOSEN' AND attempts > 0))";

    /**
     * STUCK sagas: they hold (or may hold) a paid number and have not moved for longer than {@code olderThan}. They are
     * never dropped: they stay unfinished (retrying, or waiting behind the provider circuit) until they finish or an
     * operator resumes or abandons them ({@code ./ssot sagas --stuck}).
     */
    public long countStuck(Duration olderThan) {
        return tx.inTransaction("count stuck sagas", c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM provisioning_requests"
                    + " WHERE " + HOLDS_A_NUMBER + " AND updated_at < now() - (? * interval '1 millisecond')")) {
                st.setLong(1, olderThan.toMillis());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement st) throws SQLException;
    }

    /** {@code UPDATE ... SET <set> WHERE request_id AND lease_owner AND state} fenced by the lease; RETURNING the row. */
    private SagaRecord update(SagaRecord saga, String owner, String what, String set, Binder binder, int boundBySet) {
        return tx.inTransaction(what + " saga " + saga.requestId(), c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET " + set
                    + " WHERE request_id = ? AND lease_owner = ? AND state = ? RETURNING *")) {
                binder.bind(st);
                st.setString(boundBySet + 1, saga.requestId());
                st.setString(boundBySet + 2, owner);
                st.setString(boundBySet + 3, saga.state().name());
                return SagaRows.single(st).orElseThrow(() -> new LeaseLostException(saga.requestId(), owner));
            }
        });
    }
}

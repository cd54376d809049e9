package com.voxanne.ssot.provisioner.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Which E.164 a saga may hold: choosing one no one else holds, and whose an active managed number is. */
public final class NumberChoiceStore {
    /** The unique index that lets one unfinished saga hold a number (migration V4). */
    private static final String INFLIGHT_PHONE_KEY = "provisioning_requests_inflight_phone_key";

    private final Transactions tx;

    public NumberChoiceStore(DataSource dataSource) {
        this.tx = new Transactions(dataSource);
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
                        + " phone_number = ?, attempts = 0, error = NULL, updated_at = now(), lease_until = " + FencedUpdate.LEASE
                        + " WHERE request_id = ? AND lease_owner = ? AND state = 'RECEIVED' RETURNING *")) {
                    SqlParams.bind(st, candidate, lease.toMillis(), saga.requestId(), owner);
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
}

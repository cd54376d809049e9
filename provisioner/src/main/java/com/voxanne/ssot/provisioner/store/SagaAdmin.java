package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's side of {@code provisioning_requests} ({@code ./ssot sagas}): list sagas, resume one now, abandon one.
 * Both actions apply only to an unfinished saga that no worker holds (no live lease), so they never race a provider
 * call; each is recorded in {@code operator_action} (migration V6) and in the saga's error. Abandoning does not touch a
 * provider itself: it hands the saga to compensation, which reads back Vapi and Twilio and undoes exactly what exists.
 */
public final class SagaAdmin {
    private static final Logger log = LoggerFactory.getLogger(SagaAdmin.class);
    private static final String UNFINISHED = SagaState.sqlList(SagaState.UNFINISHED);
    private static final String NOT_LEASED = "(lease_until IS NULL OR lease_until < now())";

    private final Transactions tx;
    private final Duration purchaseVisibility;

    /**
     * @param purchaseVisibility PROVISIONER_PURCHASE_VISIBILITY: a saga that sent a purchase less than this long after
     *                           choosing its number is not abandoned yet, because compensation finds an unrecorded
     *                           purchase only by reading back, and a read-back may not show a fresh purchase yet
     */
    public SagaAdmin(DataSource dataSource, Duration purchaseVisibility) {
        this.tx = new Transactions(dataSource);
        this.purchaseVisibility = purchaseVisibility;
    }

    /** Which sagas to list: an org (id or email), a state, only STUCK ones (see {@link SagaReads#countStuck}). */
    public record Filter(Optional<String> org, Optional<SagaState> state, Optional<Duration> stuckOlderThan) {
    }

    /** What an operator action did: {@code done} false means nothing changed, and {@code message} says why. */
    public record Outcome(boolean done, String message, Optional<SagaRecord> saga) {
    }

    /** Sagas matching the filter, newest first, at most {@code limit}. */
    public List<SagaRecord> list(Filter filter, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + SagaRows.COLUMNS + " FROM provisioning_requests WHERE true");
        List<Object> args = new ArrayList<>();
        filter.org().ifPresent(o -> {
            sql.append(" AND (org_id = ? OR org_id IN (SELECT id::text FROM organizations WHERE lower(email) = lower(?::text)))");
            args.add(o);
            args.add(o);
        });
        filter.state().ifPresent(s -> {
            sql.append(" AND state = ?");
            args.add(s.name());
        });
        filter.stuckOlderThan().ifPresent(d -> {
            sql.append(" AND ").append(SagaReads.HOLDS_A_NUMBER).append(" AND updated_at < now() - (? * interval '1 millisecond')");
            args.add(d.toMillis());
        });
        sql.append(" ORDER BY arrival_seq DESC LIMIT ?");
        args.add(limit);
        return tx.inTransaction("list sagas", c -> {
            try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    st.setObject(i + 1, args.get(i));
                }
                List<SagaRecord> out = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(SagaRows.map(rs));
                    }
                }
                return out;
            }
        });
    }

    /** Runs a waiting saga now (its backoff or Retry-After wait is cut short); it resumes from its stored state. */
    public Outcome resume(String requestId, String operator) {
        String action = "resumed by " + operator;
        Optional<SagaRecord> row = tx.inTransaction("resume saga " + requestId, c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET next_attempt_at = now(),"
                    + " operator_action = concat_ws('; ', operator_action, ?::text || ' at ' || now()) WHERE request_id = ?"
                    + " AND state IN " + UNFINISHED + " AND " + NOT_LEASED + " RETURNING *")) {
                st.setString(1, action);
                st.setString(2, requestId);
                return SagaRows.single(st);
            }
        });
        if (row.isPresent()) {
            log.info("Operator action: saga {} {} (state {})", requestId, action, row.get().state());
            return new Outcome(true, "resumed in state " + row.get().state(), row);
        }
        return refused(requestId);
    }

    /**
     * Gives a saga up: one that bought nothing yet (RECEIVED) fails at once; one that may hold a number goes to
     * COMPENSATING, where the workers read back both providers and release exactly what exists, then FAILED. A release
     * can be given up only before it validated (RECEIVED): past that it is not undone, only finished.
     */
    public Outcome abandon(String requestId, String operator) {
        String action = "abandoned by operator " + operator;
        Optional<SagaRecord> row = tx.inTransaction("abandon saga " + requestId, c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET"
                    + " failure_point = COALESCE(failure_point, CASE state WHEN 'RECEIVED' THEN ? WHEN 'NUMBER_CHOSEN' THEN ?"
                    + "   WHEN 'PURCHASED' THEN ? ELSE ? END),"
                    + " error = left(?::text || COALESCE(': ' || error, ''), 1000),"
                    + " compensation = CASE WHEN state = 'RECEIVED' THEN 'none: nothing was bought' ELSE compensation END,"
                    + " completed_at = CASE WHEN state = 'RECEIVED' THEN now() ELSE completed_at END,"
                    + " state = CASE WHEN state = 'RECEIVED' THEN 'FAILED' ELSE 'COMPENSATING' END,"
                    + " attempts = 0, next_attempt_at = now(), updated_at = now(),"
                    + " operator_action = concat_ws('; ', operator_action, ?::text || ' at ' || now())"
                    + " WHERE request_id = ? AND state IN " + UNFINISHED + " AND " + NOT_LEASED
                    + " AND (kind = 'PROVISION' OR state = 'RECEIVED')" // a release past validation is never undone
                    + " AND NOT (state = 'NUMBER_CHOSEN' AND attempts > 0 AND updated_at > now() - (? * interval '1 millisecond'))"
                    + " RETURNING *")) {
                st.setString(1, FailurePoint.NUMBER_SEARCH.name());
                st.setString(2, FailurePoint.TWILIO_PURCHASE.name());
                st.setString(3, FailurePoint.VAPI_IMPORT.name());
                st.setString(4, FailurePoint.DB_WRITE.name());
                st.setString(5, action);
                st.setString(6, action);
                st.setString(7, requestId);
                st.setLong(8, purchaseVisibility.toMillis());
                return SagaRows.single(st);
            }
        });
        if (row.isPresent()) {
            log.warn("Operator action: saga {} {}: now {} (compensation reads back Twilio and Vapi and releases what exists). org={}"
                    + " phone={}", requestId, action, row.get().state(), row.get().orgId(), row.get().phoneNumber());
            return new Outcome(true, "abandoned: now " + row.get().state(), row);
        }
        return refused(requestId);
    }

    private Outcome refused(String requestId) {
        Optional<SagaRecord> current = tx.inTransaction("read saga " + requestId, c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT " + SagaRows.COLUMNS + " FROM provisioning_requests WHERE request_id = ?")) {
                st.setString(1, requestId);
                return SagaRows.single(st);
            }
        });
        if (current.isEmpty()) {
            return new Outcome(false, "no saga " + requestId, current);
        }
        if (current.get().state().isTerminal()) {
            return new Outcome(false, "saga " + requestId + " is already " + current.get().state(), current);
        }
        SagaRecord s = current.get();
        if (s.isRelease() && s.state() != SagaState.RECEIVED) {
            return new Outcome(false, "saga " + requestId + " is a release already at " + s.state() + ": it is not undone (Vapi may"
                    + " already have let the number go); it is retried until done: `sagas resume` runs it now", current);
        }
        if (s.state() == SagaState.NUMBER_CHOSEN && s.attempts() > 0 && s.updatedAt() != null
                && s.updatedAt().plus(purchaseVisibility).isAfter(java.time.Instant.now())) {
            return new Outcome(false, "saga " + requestId + " sent a purchase of " + s.phoneNumber() + " that reads may not show yet;"
                    + " abandon it after " + s.updatedAt().plus(purchaseVisibility) + " (PROVISIONER_PURCHASE_VISIBILITY)", current);
        }
        return new Outcome(false, "saga " + requestId + " is being worked on (lease until " + current.get().leaseUntil()
                + "); try again in a moment", current);
    }
}

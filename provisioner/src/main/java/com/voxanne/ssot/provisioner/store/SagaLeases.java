package com.voxanne.ssot.provisioner.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Who works on a saga: claims, renewals and releases of the lease on its {@code provisioning_requests} row.
 *
 * <p>The owner is a token unique per claimed saga (instance id, a claim number and the request id), so not even two
 * workers of one instance can hold the same saga. Only the oldest unfinished request of an organisation can be
 * claimed, so one organisation's requests run one at a time in arrival order while other organisations run in
 * parallel; {@code FOR UPDATE SKIP LOCKED} lets many workers and instances claim at once.
 */
public final class SagaLeases {
    private static final String UNFINISHED = SagaState.sqlList(SagaState.UNFINISHED);
    private static final String CLAIM = "WITH candidate AS ("
            + " SELECT p.request_id FROM provisioning_requests p"
            + " WHERE p.state IN " + UNFINISHED
            + " AND p.next_attempt_at <= now()"
            + " AND (p.lease_until IS NULL OR p.lease_until < now())"
            + " AND NOT EXISTS (SELECT 1 FROM provisioning_requests o WHERE o.org_id = p.org_id"
            + "   AND o.arrival_seq < p.arrival_seq AND o.state IN " + UNFINISHED + ")"
            + " ORDER BY p.arrival_seq LIMIT ? FOR UPDATE SKIP LOCKED)"
            + " UPDATE provisioning_requests r SET lease_owner = ? || ':' || r.request_id, lease_until = " + FencedUpdate.LEASE
            + " FROM candidate WHERE r.request_id = candidate.request_id RETURNING r.*";

    private final Transactions tx;

    public SagaLeases(DataSource dataSource) {
        this.tx = new Transactions(dataSource);
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
                SqlParams.bind(st, max, claimToken, lease.toMillis());
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
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET lease_owner = ?, lease_until = "
                    + FencedUpdate.LEASE + " WHERE request_id = ? AND (lease_owner = ? OR (state IN " + UNFINISHED
                    + " AND (lease_until IS NULL OR lease_until < now())))"
                    + " RETURNING *")) {
                SqlParams.bind(st, owner, lease.toMillis(), requestId, owner);
                return SagaRows.single(st).orElseThrow(() -> new LeaseLostException(requestId, owner));
            }
        });
    }

    /** Renews the lease (before a long call), proving it is still ours. */
    public SagaRecord renew(SagaRecord saga, String owner, Duration lease) {
        return new FencedUpdate().lease(lease).apply(tx, "renew the lease of", saga, owner);
    }

    /** Gives the lease up (the saga finished, or this worker stops). */
    public void release(SagaRecord saga, String owner) {
        tx.inTransaction("release saga " + saga.requestId(), c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET lease_owner = NULL, lease_until = NULL"
                    + " WHERE request_id = ? AND lease_owner = ?")) {
                SqlParams.bind(st, saga.requestId(), owner);
                return st.executeUpdate();
            }
        });
    }
}

package com.voxanne.ssot.provisioner.store;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

/**
 * One {@code UPDATE provisioning_requests SET ...} fenced by the lease: it matches only while the row has the request
 * id, the lease owner and the state the caller holds, and returns the updated row; no match means the saga is no
 * longer ours ({@link LeaseLostException}). Each SET clause is added with its own values, so binding never depends on
 * counting the placeholders of the others.
 */
final class FencedUpdate {
    /** The lease renewed by every fenced write: {@code lease_until = now() + lease}. */
    static final String LEASE = "now() + (? * interval '1 millisecond')";

    private final StringJoiner set = new StringJoiner(", ");
    private final List<Object> values = new ArrayList<>();

    /** Adds {@code clause}, whose placeholders take {@code clauseValues} in order. */
    FencedUpdate set(String clause, Object... clauseValues) {
        long placeholders = clause.chars().filter(ch -> ch == '?').count();
        if (placeholders != clauseValues.length) {
            throw new IllegalArgumentException("'" + clause + "' has " + placeholders + " placeholders but " + clauseValues.length
                    + " values");
        }
        set.add(clause);
        values.addAll(Arrays.asList(clauseValues));
        return this;
    }

    /** Renews the lease by {@code lease}. */
    FencedUpdate lease(Duration lease) {
        return set("lease_until = " + LEASE, lease.toMillis());
    }

    /** Runs the update in its own transaction, described as {@code what} (e.g. "renew the lease of"). */
    SagaRecord apply(Transactions tx, String what, SagaRecord saga, String owner) {
        return tx.inTransaction(what + " saga " + saga.requestId(), c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET " + set
                    + " WHERE request_id = ? AND lease_owner = ? AND state = ? RETURNING *")) {
                List<Object> all = new ArrayList<>(values);
                all.addAll(List.of(saga.requestId(), owner, saga.state().name()));
                SqlParams.bind(st, all);
                return SagaRows.single(st).orElseThrow(() -> new LeaseLostException(saga.requestId(), owner));
            }
        });
    }
}

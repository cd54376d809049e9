package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The release saga's reads and its last write: which managed number a release is about, whether a provision of that
 * number is still running, and the one transaction that marks it released and emits NumberReleased.
 */
public final class ReleaseStore {
    private static final String UNFINISHED = SagaState.sqlList(SagaState.UNFINISHED);

    private final Transactions tx;
    private final OutboxWriter outbox;

    public ReleaseStore(DataSource dataSource, OutboxWriter outbox) {
        this.tx = new Transactions(dataSource);
        this.outbox = outbox;
    }

    /** The managed row of a number, as the release needs it. */
    public record ManagedRow(String id, String orgId, String phoneNumber, String twilioSid, String vapiPhoneId, String status,
                             Instant releasedAt) {
        public boolean active() {
            return "active".equals(status);
        }
    }

    /** The org's managed row for {@code phoneNumber}: the active one if there is one, else the latest released one. */
    public Optional<ManagedRow> managedNumber(String orgId, String phoneNumber) {
        return tx.inTransaction("look up managed number " + phoneNumber + " of " + orgId, c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT id::text, org_id::text, phone_number, twilio_sid, vapi_phone_id,"
                    + " status, released_at FROM managed_phone_numbers WHERE org_id = ?::uuid AND phone_number = ?"
                    + " ORDER BY (status = 'active') DESC, released_at DESC NULLS LAST LIMIT 1")) {
                SqlParams.bind(st, orgId, phoneNumber);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    Timestamp released = rs.getTimestamp(7);
                    return Optional.of(new ManagedRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), released == null ? null : released.toInstant()));
                }
            }
        });
    }

    /**
     * The requestId of an unfinished provision holding {@code phoneNumber} (any org): a release of that number waits
     * for it, so it never deletes an import a running saga is about to record, or races its final write.
     */
    public Optional<String> unfinishedProvisionOf(String phoneNumber) {
        return tx.inTransaction("look up unfinished provisions of " + phoneNumber, c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT request_id FROM provisioning_requests WHERE phone_number = ?"
                    + " AND kind = 'PROVISION' AND state IN " + UNFINISHED + " LIMIT 1")) {
                st.setString(1, phoneNumber);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    /**
     * THE release's final write, in ONE transaction: the managed row {@code released} (when, why, by which request),
     * its NumberReleased through the outbox, and the saga COMPLETED. {@code beforeCommit} runs inside the transaction
     * before the commit (the crash-test seam). Idempotent: a saga already COMPLETED (the commit's answer was lost) is
     * returned as it is.
     *
     * @throws DataConflictException the org has no active managed row for the number any more
     */
    public SagaRecord complete(SagaRecord saga, String owner, Duration lease, Runnable beforeCommit) {
        return tx.inTransaction("complete release " + saga.requestId(), c -> {
            Optional<SagaRecord> moved;
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET state = 'COMPLETED', attempts = 0,"
                    + " error = NULL, updated_at = now(), completed_at = now(), lease_until = " + FencedUpdate.LEASE
                    + " WHERE request_id = ? AND lease_owner = ? AND state = 'TWILIO_RELEASED' RETURNING *")) {
                SqlParams.bind(st, lease.toMillis(), saga.requestId(), owner);
                moved = SagaRows.single(st);
            }
            if (moved.isEmpty()) {
                SagaRecord current = SagaRows.find(c, saga.requestId()).orElseThrow(() -> new LeaseLostException(saga.requestId(), owner));
                if (current.state() == SagaState.COMPLETED) {
                    return current;
                }
                throw new LeaseLostException(saga.requestId(), owner);
            }
            Instant releasedAt;
            try (PreparedStatement st = c.prepareStatement("UPDATE managed_phone_numbers SET status = 'released',"
                    + " released_at = date_trunc('milliseconds', now()), release_reason = ?, release_request_id = ?,"
                    + " updated_at = now() WHERE org_id = ?::uuid AND phone_number = ? AND status = 'active' RETURNING released_at")) {
                SqlParams.bind(st, saga.releaseReason(), saga.requestId(), saga.orgId(), saga.phoneNumber());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new DataConflictException("no active managed number " + saga.phoneNumber() + " of org " + saga.orgId()
                                + " to mark released", null, null);
                    }
                    releasedAt = rs.getTimestamp(1).toInstant();
                }
            }
            NumberReleased event = NumberReleased.newBuilder()
                    .setEventId(eventId(saga.requestId()))
                    .setRequestId(saga.requestId())
                    .setOrgId(saga.orgId())
                    .setPhoneNumber(saga.phoneNumber())
                    .setTwilioSid(saga.twilioSid())
                    .setVapiPhoneId(saga.vapiPhoneId())
                    .setReleasedAt(releasedAt)
                    .build();
            outbox.writeReleased(c, event, TraceParent.current().or(saga::trace));
            beforeCommit.run();
            return moved.get();
        });
    }

    /** The deterministic eventId of a release's NumberReleased. */
    public static String eventId(String requestId) {
        return EventIds.forRequest(requestId, OutboxWriter.RELEASED_EVENT_TYPE);
    }
}

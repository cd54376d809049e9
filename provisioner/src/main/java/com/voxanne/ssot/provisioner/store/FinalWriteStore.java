package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.provisioner.outbox.ManagedNumber;
import com.voxanne.ssot.provisioner.outbox.NumberProvisionedFactory;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/** The saga's last write: the one transaction that makes a provisioned number visible. */
public final class FinalWriteStore {
    private final Transactions tx;
    private final OutboxWriter outbox;

    public FinalWriteStore(DataSource dataSource, OutboxWriter outbox) {
        this.tx = new Transactions(dataSource);
        this.outbox = outbox;
    }

    /**
     * THE final write, in ONE transaction: the managed_phone_numbers row, its NumberProvisioned through the outbox and
     * the saga state COMPLETED. {@code beforeCommit} runs inside the transaction after every statement and before the
     * commit (the crash-test seam). Idempotent: a saga already COMPLETED (e.g. the commit's answer was lost) is
     * returned as it is.
     */
    public SagaRecord complete(SagaRecord saga, String owner, Duration lease, ManagedNumber number, Runnable beforeCommit) {
        return tx.inTransaction("complete saga " + saga.requestId(), c -> {
            Optional<SagaRecord> moved;
            try (PreparedStatement st = c.prepareStatement("UPDATE provisioning_requests SET state = 'COMPLETED', attempts = 0,"
                    + " error = NULL, updated_at = now(), completed_at = now(), lease_until = " + FencedUpdate.LEASE
                    + " WHERE request_id = ? AND lease_owner = ? AND state = 'IMPORTED' RETURNING *")) {
                SqlParams.bind(st, lease.toMillis(), saga.requestId(), owner);
                moved = SagaRows.single(st);
            }
            if (moved.isEmpty()) {
                SagaRecord current = SagaRows.find(c, saga.requestId())
                        .orElseThrow(() -> new LeaseLostException(saga.requestId(), owner));
                if (current.state() == SagaState.COMPLETED) {
                    return current;
                }
                throw new LeaseLostException(saga.requestId(), owner);
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid,"
                    + " vapi_phone_id, status, request_id, friendly_name, provisioned_at)"
                    + " VALUES (?::uuid, ?::uuid, ?, ?, ?, 'active', ?, ?, ?)")) {
                SqlParams.bind(st, number.id(), number.orgId(), number.phoneNumber(), number.twilioSid(), number.vapiPhoneId(),
                        number.requestId(), number.friendlyName(), SagaRows.timestamp(number.provisionedAt()));
                st.executeUpdate();
            }
            // the event continues the saga's trace: the context of the span writing it (the final write step's)
            outbox.write(c, NumberProvisionedFactory.from(number), TraceParent.current().or(saga::trace));
            beforeCommit.run();
            return moved.get();
        });
    }
}

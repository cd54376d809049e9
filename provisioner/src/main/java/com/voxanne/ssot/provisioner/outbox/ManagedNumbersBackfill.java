package com.voxanne.ssot.provisioner.outbox;

import com.voxanne.ssot.provisioner.store.Transactions;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code backfill --from-managed-numbers}: heals managed numbers that never had a NumberProvisioned (bought
 * before the pipeline, or whose SSOT write was lost) by emitting one through the transactional outbox, so
 * the normal path (relay -> projector) writes their SSOT row, with the same checks and version guard as any
 * other event. The event id is deterministic, so a rerun (or a number that already had its event) changes
 * nothing twice.
 */
public final class ManagedNumbersBackfill {
    private static final Logger log = LoggerFactory.getLogger(ManagedNumbersBackfill.class);
    static final int CHUNK = 500;

    private static final String FIND_MISSING = """
            SELECT m.id::text, m.org_id::text, m.phone_number, m.twilio_sid, m.vapi_phone_id, m.request_id, m.friendly_name,
                   m.provisioned_at
              FROM managed_phone_numbers m
             WHERE m.status = 'active'
               AND NOT EXISTS (SELECT 1 FROM org_credentials c
                                WHERE c.org_id = m.org_id AND c.provider = 'twilio' AND c.phone_number = m.phone_number)
             ORDER BY m.provisioned_at, m.id
            """;

    /** The outcome: the numbers found, and how many events were emitted (0 for a dry run). */
    public record Result(List<ManagedNumber> missing, int emitted, boolean dryRun) {
        public Result {
            missing = List.copyOf(missing);
        }
    }

    private final Transactions tx;
    private final OutboxWriter outbox;

    public ManagedNumbersBackfill(DataSource dataSource, OutboxWriter outbox) {
        this.tx = new Transactions(dataSource);
        this.outbox = outbox;
    }

    /** Active managed numbers that have no org_credentials row. */
    public List<ManagedNumber> findMissing() {
        return tx.inTransaction("find managed numbers without an SSOT row", c -> {
            List<ManagedNumber> missing = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(FIND_MISSING); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add(new ManagedNumber(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getTimestamp(8).toInstant()));
                }
            }
            return missing;
        });
    }

    /** Finds them and, unless {@code dryRun}, emits one NumberProvisioned per number through the outbox. */
    public Result run(boolean dryRun) {
        List<ManagedNumber> missing = findMissing();
        if (dryRun || missing.isEmpty()) {
            return new Result(missing, 0, dryRun);
        }
        int emitted = 0;
        for (int from = 0; from < missing.size(); from += CHUNK) {
            List<ManagedNumber> chunk = missing.subList(from, Math.min(missing.size(), from + CHUNK));
            emit(chunk);
            emitted += chunk.size();
        }
        log.info("emitted NumberProvisioned through the outbox for {} managed numbers that had no SSOT row", emitted);
        return new Result(missing, emitted, false);
    }

    /** One chunk, one transaction. */
    private void emit(List<ManagedNumber> chunk) {
        tx.inTransaction("re-emit NumberProvisioned for " + chunk.size() + " managed numbers", c -> {
            List<NumberProvisioned> events = new ArrayList<>(chunk.size());
            for (ManagedNumber number : chunk) {
                NumberProvisioned event = NumberProvisionedFactory.from(number);
                events.add(event);
                log.info("re-emitting NumberProvisioned for managed number without SSOT row: orgId={} requestId={}"
                        + " phone={} eventId={}", number.orgId(), number.requestId(), number.phoneNumber(), event.getEventId());
            }
            outbox.write(c, events);
            return events.size();
        });
    }
}

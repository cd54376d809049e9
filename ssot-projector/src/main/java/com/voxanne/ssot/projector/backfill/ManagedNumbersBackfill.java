package com.voxanne.ssot.projector.backfill;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code backfill --from-managed-numbers}: heals managed numbers that never had a NumberProvisioned (bought
 * before the pipeline, or whose SSOT write was lost) by emitting one through the transactional outbox, so
 * the normal path (relay -> projector) writes their SSOT row, with the same checks and version guard as any
 * other event. Per the outbox contract each row is inserted and deleted in the same transaction. The
 * event id is deterministic, so a rerun (or a number that already had its event) changes nothing twice.
 */
public final class ManagedNumbersBackfill {
    private static final Logger log = LoggerFactory.getLogger(ManagedNumbersBackfill.class);
    public static final String AGGREGATE_TYPE = "PhoneNumber";
    static final int CHUNK = 500;

    private static final String FIND_MISSING = """
            SELECT m.id, m.org_id, m.phone_number, m.twilio_sid, m.vapi_phone_id, m.request_id, m.provisioned_at
              FROM managed_phone_numbers m
             WHERE m.status = 'active'
               AND NOT EXISTS (SELECT 1 FROM org_credentials c
                                WHERE c.org_id = m.org_id AND c.provider = 'twilio' AND c.phone_number = m.phone_number)
             ORDER BY m.provisioned_at, m.id
            """;
    private static final String INSERT_OUTBOX =
            "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES (?, ?, ?, ?, ?)";
    private static final String DELETE_OUTBOX = "DELETE FROM outbox WHERE id = ANY (?)";

    /** The outcome: the numbers found, and how many events were emitted (0 for a dry run). */
    public record Result(List<LegacyNumber> missing, int emitted, boolean dryRun) {
        public Result {
            missing = List.copyOf(missing);
        }
    }

    private final DataSource dataSource;
    private final AvroSerde<NumberProvisioned> serde;

    public ManagedNumbersBackfill(DataSource dataSource) {
        this(dataSource, AvroSerde.of(NumberProvisioned.class));
    }

    public ManagedNumbersBackfill(DataSource dataSource, AvroSerde<NumberProvisioned> serde) {
        this.dataSource = dataSource;
        this.serde = serde;
    }

    /** Active managed numbers that have no org_credentials row. */
    public List<LegacyNumber> findMissing() throws SQLException {
        List<LegacyNumber> missing = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(FIND_MISSING); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add(new LegacyNumber(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                            rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getTimestamp(7).toInstant()));
                }
            }
            if (!c.getAutoCommit()) {
                c.rollback(); // read-only: end the transaction an autocommit-off connection opened
            }
        }
        return missing;
    }

    /** Finds them and, unless {@code dryRun}, emits one NumberProvisioned per number through the outbox. */
    public Result run(boolean dryRun) throws SQLException {
        List<LegacyNumber> missing = findMissing();
        if (dryRun || missing.isEmpty()) {
            return new Result(missing, 0, dryRun);
        }
        int emitted = 0;
        for (int from = 0; from < missing.size(); from += CHUNK) {
            List<LegacyNumber> chunk = missing.subList(from, Math.min(missing.size(), from + CHUNK));
            emit(chunk);
            emitted += chunk.size();
        }
        log.info("emitted NumberProvisioned through the outbox for {} managed numbers that had no SSOT row", emitted);
        return new Result(missing, emitted, false);
    }

    private void emit(List<LegacyNumber> chunk) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (c.getAutoCommit()) {
                c.setAutoCommit(false);
            }
            try {
                UUID[] ids = new UUID[chunk.size()];
                try (PreparedStatement insert = c.prepareStatement(INSERT_OUTBOX)) {
                    for (int i = 0; i < chunk.size(); i++) {
                        LegacyNumber number = chunk.get(i);
                        NumberProvisioned event = number.toEvent();
                        ids[i] = UUID.fromString(event.getEventId());
                        insert.setObject(1, ids[i]);
                        insert.setString(2, AGGREGATE_TYPE);
                        insert.setString(3, event.getOrgId());
                        insert.setString(4, LegacyNumber.EVENT_TYPE);
                        insert.setBytes(5, serde.serialize(null, event));
                        insert.addBatch();
                        log.info("re-emitting NumberProvisioned for managed number without SSOT row: orgId={} requestId={}"
                                + " phone={} eventId={}", number.orgId(), number.requestId(), number.phoneNumber(),
                                event.getEventId());
                    }
                    insert.executeBatch();
                }
                Array idArray = c.createArrayOf("uuid", ids);
                try (PreparedStatement delete = c.prepareStatement(DELETE_OUTBOX)) {
                    delete.setArray(1, idArray);
                    delete.executeUpdate();
                } finally {
                    idArray.free();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        }
    }
}

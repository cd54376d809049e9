package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.platform.tracing.TraceParent;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The inbox side of {@code provisioning_requests}: records each received request durably, once. The table's primary
 * key on request_id collapses duplicates and redeliveries ({@code ON CONFLICT DO NOTHING}); a duplicate of a
 * finished request re-arms its result so the upstream that asked again gets an answer again.
 */
public final class InboxStore {
    private static final String INSERT = "INSERT INTO provisioning_requests (request_id, org_id, country_code, area_code,"
            + " friendly_name, requested_at, state, failure_point, error, completed_at, traceparent, tracestate, kind,"
            + " phone_number, release_reason)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN now() END, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (request_id) DO NOTHING";
    private static final String REARM_RESULT = "UPDATE provisioning_requests SET result_published = false"
            + " WHERE request_id = ? AND state IN ('COMPLETED', 'FAILED', 'REJECTED') AND result_published";

    private final Transactions tx;

    public InboxStore(DataSource dataSource) {
        this.tx = new Transactions(dataSource);
    }

    /**
     * A request to record; {@code rejection} non-null records it as REJECTED with that reason; {@code trace} (nullable)
     * is the request's trace context, kept with the saga so every run of it continues that one trace.
     */
    public record Entry(String requestId, String orgId, String countryCode, String areaCode, String friendlyName,
                        Instant requestedAt, String rejection, TraceParent trace, SagaKind kind, String phoneNumber,
                        String releaseReason) {
        /** A provisioning request. */
        public Entry(String requestId, String orgId, String countryCode, String areaCode, String friendlyName,
                     Instant requestedAt, String rejection, TraceParent trace) {
            this(requestId, orgId, countryCode, areaCode, friendlyName, requestedAt, rejection, trace, SagaKind.PROVISION, null,
                    null);
        }

        /**
         * A release request of {@code phoneNumber} (stored as given when rejected: an invalid one is kept out of the
         * column, whose check accepts only E.164).
         */
        public static Entry release(String requestId, String orgId, String phoneNumber, String reason, Instant requestedAt,
                                    String rejection, TraceParent trace) {
            return new Entry(requestId, orgId, null, null, null, requestedAt, rejection, trace, SagaKind.RELEASE, phoneNumber,
                    reason);
        }

        /** A provisioning request with no trace context. */
        public Entry(String requestId, String orgId, String countryCode, String areaCode, String friendlyName,
                     Instant requestedAt, String rejection) {
            this(requestId, orgId, countryCode, areaCode, friendlyName, requestedAt, rejection, null);
        }

        public boolean rejected() {
            return rejection != null;
        }
    }

    /** What recording did: a new saga, a duplicate of an unfinished one, or a duplicate whose result is re-sent. */
    public enum Outcome { NEW, DUPLICATE, DUPLICATE_RESULT_REARMED }

    /** Records every entry in one transaction, in order (so arrival order follows the partition's order). */
    public List<Outcome> record(List<Entry> entries) {
        return tx.inTransaction("record " + entries.size() + " provisioning requests", c -> {
            List<Outcome> outcomes = new ArrayList<>(entries.size());
            try (PreparedStatement insert = c.prepareStatement(INSERT); PreparedStatement rearm = c.prepareStatement(REARM_RESULT)) {
                for (Entry e : entries) {
                    insert.setString(1, e.requestId());
                    insert.setString(2, e.orgId());
                    insert.setString(3, e.countryCode());
                    insert.setString(4, e.areaCode());
                    insert.setString(5, e.friendlyName());
                    insert.setObject(6, SagaRows.timestamp(e.requestedAt()));
                    insert.setString(7, e.rejected() ? SagaState.REJECTED.name() : SagaState.RECEIVED.name());
                    insert.setString(8, e.rejected() ? "REQUEST_VALIDATION" : null);
                    insert.setString(9, SagaRows.truncate(e.rejection(), 1000));
                    insert.setBoolean(10, e.rejected());
                    insert.setString(11, e.trace() == null ? null : e.trace().traceparent());
                    insert.setString(12, e.trace() == null ? null : e.trace().tracestate());
                    insert.setString(13, e.kind().name());
                    insert.setString(14, e.phoneNumber());
                    insert.setString(15, SagaRows.truncate(e.releaseReason(), 500));
                    if (insert.executeUpdate() == 1) {
                        outcomes.add(Outcome.NEW);
                    } else {
                        rearm.setString(1, e.requestId());
                        outcomes.add(rearm.executeUpdate() == 1 ? Outcome.DUPLICATE_RESULT_REARMED : Outcome.DUPLICATE);
                    }
                }
            }
            return outcomes;
        });
    }

    /** Which of these organisation ids exist (ids that are not UUIDs do not). */
    public Set<String> existingOrganizations(Collection<String> orgIds) {
        List<UUID> ids = new ArrayList<>();
        for (String id : orgIds) {
            try {
                ids.add(UUID.fromString(id));
            } catch (IllegalArgumentException | NullPointerException notAUuid) {
                // not a UUID: cannot be an organisation id; the validator says so in the rejection
            }
        }
        if (ids.isEmpty()) {
            return Set.of();
        }
        return tx.inTransaction("look up " + ids.size() + " organisations", c -> existing(c, ids));
    }

    private static Set<String> existing(Connection c, List<UUID> ids) throws SQLException {
        Set<String> found = new HashSet<>();
        try (PreparedStatement st = c.prepareStatement("SELECT id::text FROM organizations WHERE id = ANY (?)")) {
            Array array = c.createArrayOf("uuid", ids.toArray());
            st.setArray(1, array);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }
}

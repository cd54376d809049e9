package com.voxanne.ssot.provisioner.outbox;

import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The one writer of the {@code outbox} table: NumberProvisioned and NumberReleased events, aggregate "PhoneNumber" keyed by orgId, the
 * payload in the event topic's value serde (the relay copies the bytes as they are). Each row is inserted and deleted
 * again in the caller's transaction: the relay reads the insert from the WAL, so the table itself stays empty.
 */
public final class OutboxWriter {
    public static final String AGGREGATE_TYPE = "PhoneNumber";
    private static final String INSERT =
            "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, traceparent, tracestate) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String DELETE = "DELETE FROM outbox WHERE id = ANY (?)";

    /** The outbox row's {@code type} (the record's {@code eventType} header) of a release. */
    public static final String RELEASED_EVENT_TYPE = "NumberReleased";

    private final Topic<String, NumberProvisioned> events;
    private final Topic<String, NumberReleased> releases;

    /** A writer of NumberProvisioned only (backfills, benchmarks). */
    public OutboxWriter(Topic<String, NumberProvisioned> events) {
        this(events, null);
    }

    /**
     * A writer of both event types of the event log; {@code releases} is the same topic under NumberReleased's own
     * subject (see {@code Topics#numbersReleased}), so the relay copies bytes a reader of either type resolves.
     */
    public OutboxWriter(Topic<String, NumberProvisioned> events, Topic<String, NumberReleased> releases) {
        this.events = events;
        this.releases = releases;
    }

    /**
     * Emits one NumberReleased inside the caller's transaction (no commit): same aggregate, same key (orgId), so the
     * relay routes it to the event log behind the org's earlier events.
     *
     * @throws IllegalStateException this writer was built without the releases topic
     */
    public void writeReleased(Connection c, NumberReleased event, Optional<TraceParent> trace) throws SQLException {
        if (releases == null) {
            throw new IllegalStateException("this outbox writer was built for NumberProvisioned only");
        }
        UUID id = UUID.fromString(event.getEventId());
        try (PreparedStatement insert = c.prepareStatement(INSERT)) {
            insert.setObject(1, id);
            insert.setString(2, AGGREGATE_TYPE);
            insert.setString(3, event.getOrgId());
            insert.setString(4, RELEASED_EVENT_TYPE);
            insert.setBytes(5, releases.valueSerde().serializer().serialize(releases.name(), event));
            insert.setString(6, trace.map(TraceParent::traceparent).orElse(null));
            insert.setString(7, trace.map(TraceParent::tracestate).orElse(null));
            insert.executeUpdate();
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM outbox WHERE id = ?")) {
            delete.setObject(1, id);
            delete.executeUpdate();
        }
    }

    /**
     * Emits one event inside the caller's transaction (no commit), with the trace context it continues: the relay puts
     * it in the record's {@code traceparent}/{@code tracestate} headers (empty: the record gets none).
     */
    public void write(Connection c, NumberProvisioned event, Optional<TraceParent> trace) throws SQLException {
        write(c, List.of(event), trace);
    }

    /** Emits one event inside the caller's transaction (no commit), with no trace context. */
    public void write(Connection c, NumberProvisioned event) throws SQLException {
        write(c, List.of(event), Optional.empty());
    }

    /**
     * Emits the events inside the caller's transaction (no commit), in their order, with no trace context (the
     * managed-numbers backfill: a re-emitted event answers no request, so it starts no trace; the projector's write of
     * it is a trace of its own).
     */
    public void write(Connection c, List<NumberProvisioned> batch) throws SQLException {
        write(c, batch, Optional.empty());
    }

    /** Emits the events inside the caller's transaction (no commit), in their order, each with this trace context. */
    public void write(Connection c, List<NumberProvisioned> batch, Optional<TraceParent> trace) throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        UUID[] ids = new UUID[batch.size()];
        try (PreparedStatement insert = c.prepareStatement(INSERT)) {
            for (int i = 0; i < batch.size(); i++) {
                NumberProvisioned event = batch.get(i);
                ids[i] = UUID.fromString(event.getEventId());
                insert.setObject(1, ids[i]);
                insert.setString(2, AGGREGATE_TYPE);
                insert.setString(3, event.getOrgId());
                insert.setString(4, NumberProvisionedFactory.EVENT_TYPE);
                insert.setBytes(5, events.valueSerde().serializer().serialize(events.name(), event));
                insert.setString(6, trace.map(TraceParent::traceparent).orElse(null));
                insert.setString(7, trace.map(TraceParent::tracestate).orElse(null));
                insert.addBatch();
            }
            insert.executeBatch();
        }
        Array idArray = c.createArrayOf("uuid", ids);
        try (PreparedStatement delete = c.prepareStatement(DELETE)) {
            delete.setArray(1, idArray);
            delete.executeUpdate();
        } finally {
            idArray.free();
        }
    }
}

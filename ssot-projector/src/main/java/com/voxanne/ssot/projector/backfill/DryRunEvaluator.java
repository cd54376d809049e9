package com.voxanne.ssot.projector.backfill;

import com.voxanne.ssot.projector.store.BatchWrite;
import com.voxanne.ssot.projector.store.Candidate;
import com.voxanne.ssot.projector.store.KnownOrganizations;
import com.voxanne.ssot.projector.store.ProjectedRow;
import com.voxanne.ssot.projector.store.Refusal;
import com.voxanne.ssot.projector.store.UpsertCounts;
import com.voxanne.ssot.projector.store.WriteResult;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Says what the SSOT write WOULD do, writing nothing: each key's stored version stamp is read and compared
 * with the event's using the same newer-wins rule as the upsert. What this dry run would already have
 * written in earlier batches is remembered, so a key replayed twice is counted once, as a real run would.
 * Stateful: one instance per dry run.
 */
final class DryRunEvaluator implements BatchWrite {
    private static final String STORED = """
            SELECT t.org_id, t.phone_number, c.version, c.last_event_id
              FROM unnest(?::uuid[], ?::text[]) AS t(org_id, phone_number)
              JOIN org_credentials c
                ON c.org_id = t.org_id AND c.provider = 'twilio' AND c.phone_number = t.phone_number
            """;

    private record Stamp(long version, UUID eventId) {
    }

    private final KnownOrganizations organizations;
    private final Map<ProjectedRow.Key, Stamp> wouldHaveWritten = new HashMap<>();

    DryRunEvaluator(KnownOrganizations organizations) {
        this.organizations = organizations;
    }

    @Override
    public <T> WriteResult<T> write(Connection connection, List<Candidate<T>> candidates) throws SQLException {
        Set<UUID> orgIds = new LinkedHashSet<>();
        candidates.forEach(c -> orgIds.add(c.row().orgId()));
        Set<UUID> known = organizations.existing(connection, orgIds);
        List<Refusal<T>> refused = new ArrayList<>();
        Map<ProjectedRow.Key, ProjectedRow> newest = new HashMap<>();
        long unchanged = 0;
        for (Candidate<T> c : candidates) {
            if (known.contains(c.row().orgId())) {
                ProjectedRow previous = newest.put(c.row().key(), c.row());
                if (previous != null) {
                    unchanged++; // superseded within the batch, as the real write counts it
                    if (previous.supersedes(c.row())) {
                        newest.put(c.row().key(), previous);
                    }
                }
            } else {
                refused.add(new Refusal<>(c, "unknown organisation " + c.row().orgId() + ": no such id in organizations",
                        "UnknownOrganization"));
            }
        }
        List<ProjectedRow> rows = new ArrayList<>(newest.values());
        Map<ProjectedRow.Key, Stamp> stored = stored(connection, rows);
        long inserted = 0;
        long updated = 0;
        for (ProjectedRow row : rows) {
            Stamp current = wouldHaveWritten.containsKey(row.key()) ? wouldHaveWritten.get(row.key()) : stored.get(row.key());
            if (current == null) {
                inserted++;
            } else if (newer(row, current)) {
                updated++;
            } else {
                unchanged++;
                continue;
            }
            wouldHaveWritten.put(row.key(), new Stamp(row.version(), row.eventId()));
        }
        return new WriteResult<>(new UpsertCounts(inserted, updated, unchanged), refused);
    }

    /** The upsert's guard: strictly newer version, ties broken by eventId (uuid order = lower-case text order). */
    private static boolean newer(ProjectedRow row, Stamp current) {
        if (row.version() != current.version()) {
            return row.version() > current.version();
        }
        return current.eventId() == null || row.eventId().toString().compareTo(current.eventId().toString()) > 0;
    }

    private static Map<ProjectedRow.Key, Stamp> stored(Connection connection, List<ProjectedRow> rows) throws SQLException {
        Map<ProjectedRow.Key, Stamp> stamps = new HashMap<>();
        if (rows.isEmpty()) {
            return stamps;
        }
        UUID[] orgIds = new UUID[rows.size()];
        String[] phones = new String[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            orgIds[i] = rows.get(i).orgId();
            phones[i] = rows.get(i).phoneNumber();
        }
        Array orgArray = connection.createArrayOf("uuid", orgIds);
        Array phoneArray = connection.createArrayOf("text", phones);
        try (PreparedStatement ps = connection.prepareStatement(STORED)) {
            ps.setArray(1, orgArray);
            ps.setArray(2, phoneArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stamps.put(new ProjectedRow.Key(rs.getObject(1, UUID.class), rs.getString(2)),
                            new Stamp(rs.getLong(3), rs.getObject(4, UUID.class)));
                }
            }
        } finally {
            orgArray.free();
            phoneArray.free();
        }
        return stamps;
    }
}

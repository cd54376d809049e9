package com.voxanne.ssot.projector.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production SSOT write of one batch, in the caller's transaction: unknown organisations are found
 * set-based first and refused, the newest event per key is kept, and the rest goes to the database in ONE
 * set-based upsert. If the database still refuses the batch because of its data (a constraint this side
 * did not foresee), the transaction is rolled back and the batch is bisected under savepoints until the
 * offending rows are isolated; only those are refused, everything else is written. Any other failure is
 * thrown: the caller retries the whole batch. It decides what goes to the database and what is refused;
 * the statement itself is {@link OrgCredentialsUpsert}.
 */
public final class RefusingBatchWrite implements BatchWrite {
    private static final Logger log = LoggerFactory.getLogger(RefusingBatchWrite.class);

    private final OrgCredentialsUpsert upsert;
    private final KnownOrganizations organizations;

    public RefusingBatchWrite(OrgCredentialsUpsert upsert, KnownOrganizations organizations) {
        this.upsert = upsert;
        this.organizations = organizations;
    }

    /** @param writer who writes: recorded with every row (see {@link SsotWriter}) */
    public RefusingBatchWrite(SsotWriter writer) {
        this(new OrgCredentialsUpsert(writer), new KnownOrganizations());
    }

    @Override
    public <T> WriteResult<T> write(Connection connection, List<Candidate<T>> candidates) throws SQLException {
        if (candidates.isEmpty()) {
            return new WriteResult<>(UpsertCounts.NONE, List.of());
        }
        Set<UUID> orgIds = new LinkedHashSet<>();
        candidates.forEach(c -> orgIds.add(c.row().orgId()));
        Set<UUID> known = organizations.existing(connection, orgIds);

        List<Refusal<T>> refused = new ArrayList<>();
        Map<ProjectedRow.Key, Candidate<T>> newest = new HashMap<>(candidates.size() * 2);
        long superseded = 0;
        for (Candidate<T> c : candidates) {
            if (!known.contains(c.row().orgId())) {
                refused.add(new Refusal<>(c, "unknown organisation " + c.row().orgId()
                        + ": no such id in organizations", "UnknownOrganization"));
                continue;
            }
            Candidate<T> previous = newest.put(c.row().key(), c);
            if (previous != null) {
                superseded++;
                if (previous.row().supersedes(c.row())) {
                    newest.put(c.row().key(), previous);
                }
            }
        }
        List<Candidate<T>> toWrite = new ArrayList<>(newest.values());
        if (toWrite.isEmpty()) {
            return new WriteResult<>(new UpsertCounts(0, 0, superseded), refused);
        }
        UpsertCounts counts;
        try {
            counts = upsert.upsertRows(connection, rows(toWrite));
        } catch (SQLException e) {
            if (!SqlErrors.isCausedByData(e)) {
                throw e;
            }
            log.info("SSOT batch of {} rows refused by the database ({}); bisecting to isolate the bad rows",
                    toWrite.size(), e.getMessage());
            connection.rollback();
            toWrite.sort((a, b) -> a.row().key().compareTo(b.row().key()));
            counts = bisect(connection, toWrite, refused);
        }
        return new WriteResult<>(counts.plus(new UpsertCounts(0, 0, superseded)), refused);
    }

    private <T> UpsertCounts bisect(Connection connection, List<Candidate<T>> part, List<Refusal<T>> refused)
            throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try {
            UpsertCounts counts = upsert.upsertRows(connection, rows(part));
            connection.releaseSavepoint(savepoint);
            return counts;
        } catch (SQLException e) {
            if (!SqlErrors.isCausedByData(e)) {
                throw e;
            }
            connection.rollback(savepoint);
            if (part.size() == 1) {
                refused.add(new Refusal<>(part.get(0), "database refused the row: " + e.getMessage(),
                        e.getClass().getName() + " (SQLState " + e.getSQLState() + ")"));
                return UpsertCounts.NONE;
            }
            int mid = part.size() / 2;
            return bisect(connection, part.subList(0, mid), refused)
                    .plus(bisect(connection, part.subList(mid, part.size()), refused));
        }
    }

    private static <T> List<ProjectedRow> rows(List<Candidate<T>> candidates) {
        List<ProjectedRow> rows = new ArrayList<>(candidates.size());
        candidates.forEach(c -> rows.add(c.row()));
        return rows;
    }
}

package com.voxanne.ssot.projector.store;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The SQL of the SSOT write: {@link ProjectedRow}s (or {@code NumberProvisioned} events) to
 * {@code org_credentials}, idempotent and version-guarded. A row only ever moves to a strictly newer
 * event (version = provisionedAt millis, ties broken by eventId), so duplicates, replays and
 * out-of-order delivery never regress it. A NumberReleased (version = releasedAt millis) removes the row and is
 * remembered in {@code ssot_released_numbers} (migration V11): a NumberProvisioned older than that release is
 * ignored, so a backfill replaying the log never offers a released number again; a newer one (bought again) is not.
 *
 * <p>{@link #upsertRows} is the production path: the batch is deduplicated (newest event per key), sorted
 * by key (concurrent writers lock rows in the same order, so they cannot deadlock) and written with ONE
 * set-based {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT ... DO UPDATE ... WHERE newer}.
 * With a copy threshold (the backfill's), a large set goes instead by {@code COPY} into a session-private staging table
 * and one {@code INSERT ... SELECT FROM} it with the same guard and the same release rule.
 * {@link #upsertOneByOne} is the naive per-row-commit path, kept as the benchmark baseline.
 *
 * <p>Each write first tags its transaction with its {@link SsotWriter} (the projector's or the backfill's), which the
 * database records in {@code written_by}.
 *
 * <p>Stateless and thread-safe. Methods run in the caller's transaction unless they say otherwise.
 */
public final class OrgCredentialsUpsert {
    /** Newer-wins guard shared by both paths: strictly newer version, ties broken by eventId. */
    private static final String NEWER_WINS = """
            ON CONFLICT (org_id, provider, phone_number) DO UPDATE
               SET vapi_phone_id = EXCLUDED.vapi_phone_id,
                   twilio_sid    = EXCLUDED.twilio_sid,
                   is_managed    = true,
                   last_event_id = EXCLUDED.last_event_id,
                   version       = EXCLUDED.version,
                   updated_at    = now()
             WHERE c.version < EXCLUDED.version
                OR (c.version = EXCLUDED.version
                    AND (c.last_event_id IS NULL OR c.last_event_id < EXCLUDED.last_event_id))
            RETURNING (xmax = 0) AS inserted
            """;

    /** The upsert of offered rows from {@code incoming}, whatever fills it (array parameters or the COPY staging table). */
    private static String upsertFrom(String incoming) {
        return """
            WITH incoming (org_id, phone_number, vapi_phone_id, twilio_sid, last_event_id, version) AS (
                """ + incoming + """

            ), written AS (
                INSERT INTO org_credentials AS c
                       (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed, last_event_id, version, updated_at)
                SELECT org_id, 'twilio', phone_number, vapi_phone_id, twilio_sid, true, last_event_id, version, now()
                  FROM incoming i
                 WHERE NOT EXISTS (SELECT 1 FROM ssot_released_numbers r
                                    WHERE r.org_id = i.org_id AND r.phone_number = i.phone_number
                                      AND (r.version > i.version OR (r.version = i.version AND r.last_event_id > i.last_event_id)))
            """ + NEWER_WINS + """
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
            """;
    }

    static final String BATCH_SQL = upsertFrom(
            "SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::uuid[], ?::bigint[])");

    /** The session's staging table of the COPY path: emptied at every commit, private to the connection. */
    static final String STAGING_TABLE = "ssot_upsert_staging";
    static final String CREATE_STAGING_SQL = "CREATE TEMPORARY TABLE IF NOT EXISTS " + STAGING_TABLE
            + " (org_id uuid, phone_number text, vapi_phone_id text, twilio_sid text, last_event_id uuid, version bigint)"
            + " ON COMMIT DELETE ROWS";
    static final String COPY_SQL = "COPY " + STAGING_TABLE
            + " (org_id, phone_number, vapi_phone_id, twilio_sid, last_event_id, version) FROM STDIN";
    static final String MERGE_STAGING_SQL = upsertFrom("SELECT * FROM " + STAGING_TABLE);

    /**
     * A batch of releases: each remembered in {@code ssot_released_numbers} (newer wins, like the rows) and the
     * {@code org_credentials} row removed if its event is older than the release. Returns {@code (0, removed)}.
     */
    static final String RELEASE_SQL = """
            WITH incoming (org_id, phone_number, vapi_phone_id, twilio_sid, last_event_id, version) AS (
                SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::uuid[], ?::bigint[])
            ), remembered AS (
                INSERT INTO ssot_released_numbers AS r (org_id, phone_number, last_event_id, version, updated_at)
                SELECT org_id, phone_number, last_event_id, version, now() FROM incoming
                ON CONFLICT (org_id, phone_number) DO UPDATE
                   SET last_event_id = EXCLUDED.last_event_id, version = EXCLUDED.version, updated_at = now()
                 WHERE r.version < EXCLUDED.version
                    OR (r.version = EXCLUDED.version AND r.last_event_id < EXCLUDED.last_event_id)
                RETURNING 1
            ), removed AS (
                DELETE FROM org_credentials c USING incoming i
                 WHERE c.org_id = i.org_id AND c.provider = 'twilio' AND c.phone_number = i.phone_number
                   AND (c.version < i.version
                        OR (c.version = i.version AND (c.last_event_id IS NULL OR c.last_event_id < i.last_event_id)))
                RETURNING 1
            )
            SELECT 0, (SELECT count(*) FROM removed)
            """;

    static final String ONE_ROW_SQL = """
            INSERT INTO org_credentials AS c
                   (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed, last_event_id, version, updated_at)
            VALUES (?, 'twilio', ?, ?, ?, true, ?, ?, now())
            """ + NEWER_WINS;

    private final EventValidator validator;
    private final SsotWriter writer;
    private final int copyThreshold;

    /** The projector's write. */
    public OrgCredentialsUpsert() {
        this(new EventValidator(), SsotWriter.PROJECTOR);
    }

    public OrgCredentialsUpsert(SsotWriter writer) {
        this(new EventValidator(), writer);
    }

    public OrgCredentialsUpsert(EventValidator validator, SsotWriter writer) {
        this(validator, writer, 0);
    }

    /**
     * @param copyThreshold a write of at least this many offered rows goes by {@code COPY} into the session's staging
     *                      table and one merge statement (same guard, same release rule); 0: always array parameters
     */
    public OrgCredentialsUpsert(EventValidator validator, SsotWriter writer, int copyThreshold) {
        if (copyThreshold < 0) {
            throw new IllegalArgumentException("copyThreshold must be >= 0, was " + copyThreshold);
        }
        this.validator = validator;
        this.writer = writer;
        this.copyThreshold = copyThreshold;
    }

    /**
     * Validates and writes a batch of events set-based, in the caller's transaction (the caller commits).
     *
     * @throws InvalidEventException for the first event that breaks the contract (nothing is written)
     */
    public UpsertCounts upsertBatch(Connection connection, List<NumberProvisioned> events) throws SQLException {
        List<ProjectedRow> rows = new ArrayList<>(events.size());
        for (NumberProvisioned event : events) {
            rows.add(validator.validate(event));
        }
        return upsertRows(connection, rows);
    }

    /**
     * Writes validated rows set-based in one statement, in the caller's transaction. Events superseded by a
     * newer one for the same key in {@code rows} count as unchanged.
     */
    public UpsertCounts upsertRows(Connection connection, Collection<ProjectedRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return UpsertCounts.NONE;
        }
        writer.tag(connection);
        List<ProjectedRow> newest = newestPerKey(rows);
        List<ProjectedRow> offered = newest.stream().filter(r -> !r.released()).toList();
        List<ProjectedRow> released = newest.stream().filter(ProjectedRow::released).toList();
        long[] upserted = offered.isEmpty() ? new long[2]
                : copyThreshold > 0 && offered.size() >= copyThreshold ? copySet(connection, offered)
                : writeSet(connection, BATCH_SQL, offered);
        long[] removed = released.isEmpty() ? new long[2] : writeSet(connection, RELEASE_SQL, released);
        long inserted = upserted[0];
        long updated = upserted[1] + removed[1];
        return new UpsertCounts(inserted, updated, rows.size() - inserted - updated);
    }

    /**
     * The COPY path of the upsert: the rows are streamed in COPY text format into the session's staging table (created on
     * first use; {@code ON COMMIT DELETE ROWS}, emptied first so that several writes in one transaction, e.g. a bisection,
     * do not see each other's rows), then merged by the same statement as {@link #BATCH_SQL}. Returns its two counts.
     */
    private static long[] copySet(Connection connection, List<ProjectedRow> rows) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(CREATE_STAGING_SQL);
            st.execute("TRUNCATE " + STAGING_TABLE);
        }
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_SQL);
        try {
            StringBuilder chunk = new StringBuilder(COPY_CHUNK_CHARS + 512);
            for (ProjectedRow row : rows) {
                chunk.append(row.orgId()).append('\t');
                appendCopyText(chunk, row.phoneNumber()).append('\t');
                appendCopyText(chunk, row.vapiPhoneId()).append('\t');
                appendCopyText(chunk, row.twilioSid()).append('\t');
                chunk.append(row.eventId()).append('\t').append(row.version()).append('\n');
                if (chunk.length() >= COPY_CHUNK_CHARS) {
                    writeChunk(copy, chunk);
                }
            }
            writeChunk(copy, chunk);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(MERGE_STAGING_SQL)) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static final int COPY_CHUNK_CHARS = 256 * 1024;

    private static void writeChunk(CopyIn copy, StringBuilder chunk) throws SQLException {
        if (chunk.length() > 0) {
            byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            chunk.setLength(0);
        }
    }

    /** {@code value} escaped for COPY's text format (backslash, tab, newline and carriage return). */
    static StringBuilder appendCopyText(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(ch);
            }
        }
        return out;
    }

    /** Runs one of the set-based statements over {@code rows}; returns its two counts. */
    private static long[] writeSet(Connection connection, String sql, List<ProjectedRow> rows) throws SQLException {
        int n = rows.size();
        UUID[] orgIds = new UUID[n];
        String[] phones = new String[n];
        String[] vapiIds = new String[n];
        String[] sids = new String[n];
        UUID[] eventIds = new UUID[n];
        Long[] versions = new Long[n];
        for (int i = 0; i < n; i++) {
            ProjectedRow row = rows.get(i);
            orgIds[i] = row.orgId();
            phones[i] = row.phoneNumber();
            vapiIds[i] = row.vapiPhoneId();
            sids[i] = row.twilioSid();
            eventIds[i] = row.eventId();
            versions[i] = row.version();
        }
        List<Array> arrays = new ArrayList<>(6);
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            bind(ps, 1, connection.createArrayOf("uuid", orgIds), arrays);
            bind(ps, 2, connection.createArrayOf("text", phones), arrays);
            bind(ps, 3, connection.createArrayOf("text", vapiIds), arrays);
            bind(ps, 4, connection.createArrayOf("text", sids), arrays);
            bind(ps, 5, connection.createArrayOf("uuid", eventIds), arrays);
            bind(ps, 6, connection.createArrayOf("bigint", versions), arrays);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        } finally {
            for (Array a : arrays) {
                a.free();
            }
        }
    }

    /**
     * The naive baseline: validates and writes each event with its own statement and its own COMMIT, as a
     * per-record consumer would (autocommit is turned off on the connection if it was on). For the benchmark only.
     */
    public UpsertCounts upsertOneByOne(Connection connection, List<NumberProvisioned> events) throws SQLException {
        if (connection.getAutoCommit()) {
            connection.setAutoCommit(false);
        }
        long inserted = 0;
        long updated = 0;
        try (PreparedStatement ps = connection.prepareStatement(ONE_ROW_SQL)) {
            for (NumberProvisioned event : events) {
                ProjectedRow row = validator.validate(event);
                writer.tag(connection); // each row is its own transaction here
                ps.setObject(1, row.orgId());
                ps.setString(2, row.phoneNumber());
                ps.setString(3, row.vapiPhoneId());
                ps.setString(4, row.twilioSid());
                ps.setObject(5, row.eventId());
                ps.setLong(6, row.version());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getBoolean(1)) {
                            inserted++;
                        } else {
                            updated++;
                        }
                    }
                }
                connection.commit();
            }
        }
        return new UpsertCounts(inserted, updated, events.size() - inserted - updated);
    }

    /** The newest event per key (a single INSERT ... ON CONFLICT may touch a row once), sorted by key. */
    static List<ProjectedRow> newestPerKey(Collection<ProjectedRow> rows) {
        Map<ProjectedRow.Key, ProjectedRow> newest = new HashMap<>(rows.size() * 2);
        for (ProjectedRow row : rows) {
            newest.merge(row.key(), row, (a, b) -> b.supersedes(a) ? b : a);
        }
        List<ProjectedRow> sorted = new ArrayList<>(newest.values());
        sorted.sort((a, b) -> a.key().compareTo(b.key()));
        return sorted;
    }

    private static void bind(PreparedStatement ps, int index, Array array, List<Array> opened) throws SQLException {
        opened.add(array);
        ps.setArray(index, array);
    }
}

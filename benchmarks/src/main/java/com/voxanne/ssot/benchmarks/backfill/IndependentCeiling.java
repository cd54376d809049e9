package com.voxanne.ssot.benchmarks.backfill;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The backfill's independent ceiling: the same events into the same {@code org_credentials} (its foreign key, E.164
 * check, identity, unique key, the written_by trigger) with the same semantics as the projector's upsert (newer version
 * wins, ties by event id; a number whose release is newer is not offered again; the transaction marked as the backfill's),
 * written here on its own, without the projector's classes or SQL, by the fastest ways found: binary COPY of a chunk into
 * a temporary table plus one merge per chunk, or one {@code INSERT ... SELECT FROM unnest(arrays)} per chunk; each with
 * one or several sessions on disjoint keys (the events of an organisation always go to the same session).
 */
final class IndependentCeiling {
    enum Method { COPY, UNNEST }

    private static final String GUARDED_MERGE_TAIL = """
              FROM %s
             WHERE NOT EXISTS (SELECT 1 FROM ssot_released_numbers r
                                WHERE r.org_id = i.org_id AND r.phone_number = i.phone_number
                                  AND (r.version > i.version OR (r.version = i.version AND r.last_event_id > i.last_event_id)))
            ON CONFLICT (org_id, provider, phone_number) DO UPDATE
               SET vapi_phone_id = EXCLUDED.vapi_phone_id, twilio_sid = EXCLUDED.twilio_sid, is_managed = true,
                   last_event_id = EXCLUDED.last_event_id, version = EXCLUDED.version, updated_at = now()
             WHERE org_credentials.version < EXCLUDED.version
                OR (org_credentials.version = EXCLUDED.version
                    AND (org_credentials.last_event_id IS NULL OR org_credentials.last_event_id < EXCLUDED.last_event_id))
            """;
    private static final String INSERT_HEAD = """
            INSERT INTO org_credentials
                   (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed, last_event_id, version, updated_at)
            SELECT i.org_id, 'twilio', i.phone_number, i.vapi_phone_id, i.twilio_sid, true, i.last_event_id, i.version, now()
            """;
    private static final String STAGE = "ceiling_stage";
    private static final String MERGE_STAGE = INSERT_HEAD + GUARDED_MERGE_TAIL.formatted(STAGE + " i");
    private static final String MERGE_UNNEST = INSERT_HEAD + GUARDED_MERGE_TAIL.formatted(
            "unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::uuid[], ?::bigint[])"
                    + " AS i (org_id, phone_number, vapi_phone_id, twilio_sid, last_event_id, version)");
    private static final byte[] BINARY_HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0,
            0, 0, 0};

    private final DataSource dataSource;
    private final SyntheticEvents events;

    IndependentCeiling(DataSource dataSource, SyntheticEvents events) {
        this.dataSource = dataSource;
        this.events = events;
    }

    /** Writes events [from, to) with {@code sessions} parallel sessions, {@code chunk} rows per transaction; wall seconds. */
    double write(Method method, int sessions, int chunk, int from, int to) throws Exception {
        List<List<Integer>> shares = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            shares.add(new ArrayList<>());
        }
        for (int i = from; i < to; i++) {
            shares.get(Math.floorMod(events.orgId(i).hashCode(), sessions)).add(i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        try {
            long t0 = System.nanoTime();
            List<Future<Long>> written = new ArrayList<>();
            for (List<Integer> share : shares) {
                written.add(pool.submit(() -> session(method, share, chunk)));
            }
            long rows = 0;
            for (Future<Long> f : written) {
                rows += f.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (rows != to - from) {
                throw new IllegalStateException(method + " ceiling touched " + rows + " rows for " + (to - from) + " events");
            }
            return seconds;
        } finally {
            pool.shutdown();
        }
    }

    private long session(Method method, List<Integer> share, int chunk) throws SQLException {
        long rows = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            if (method == Method.COPY) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TEMPORARY TABLE IF NOT EXISTS " + STAGE + " (org_id uuid, phone_number text,"
                            + " vapi_phone_id text, twilio_sid text, last_event_id uuid, version bigint) ON COMMIT DELETE ROWS");
                }
                c.commit();
            }
            for (int start = 0; start < share.size(); start += chunk) {
                List<Integer> part = share.subList(start, Math.min(start + chunk, share.size()));
                try (PreparedStatement tag = c.prepareStatement("SELECT set_config('ssot.writer', 'backfill', true)")) {
                    tag.execute();
                }
                rows += method == Method.COPY ? copyAndMerge(c, part) : unnest(c, part);
                c.commit();
            }
        }
        return rows;
    }

    private long copyAndMerge(Connection c, List<Integer> part) throws SQLException {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + STAGE + " FROM STDIN (FORMAT binary)");
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);
            DataOutputStream out = new DataOutputStream(buffer);
            out.write(BINARY_HEADER);
            for (int i : part) {
                NumberProvisioned e = events.event(i);
                out.writeShort(6);
                uuid(out, e.getOrgId());
                text(out, e.getPhoneNumber());
                text(out, e.getVapiPhoneId());
                text(out, e.getTwilioSid());
                uuid(out, e.getEventId());
                out.writeInt(8);
                out.writeLong(e.getProvisionedAt().toEpochMilli());
                if (buffer.size() >= 1 << 20) {
                    copy.writeToCopy(buffer.toByteArray(), 0, buffer.size());
                    buffer.reset();
                }
            }
            out.writeShort(-1);
            copy.writeToCopy(buffer.toByteArray(), 0, buffer.size());
            copy.endCopy();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
        try (Statement st = c.createStatement()) {
            return st.executeUpdate(MERGE_STAGE);
        }
    }

    private long unnest(Connection c, List<Integer> part) throws SQLException {
        int n = part.size();
        UUID[] orgs = new UUID[n];
        String[] phones = new String[n];
        String[] vapis = new String[n];
        String[] sids = new String[n];
        UUID[] eventIds = new UUID[n];
        Long[] versions = new Long[n];
        for (int k = 0; k < n; k++) {
            NumberProvisioned e = events.event(part.get(k));
            orgs[k] = UUID.fromString(e.getOrgId());
            phones[k] = e.getPhoneNumber();
            vapis[k] = e.getVapiPhoneId();
            sids[k] = e.getTwilioSid();
            eventIds[k] = UUID.fromString(e.getEventId());
            versions[k] = e.getProvisionedAt().toEpochMilli();
        }
        Array[] arrays = {c.createArrayOf("uuid", orgs), c.createArrayOf("text", phones), c.createArrayOf("text", vapis),
                c.createArrayOf("text", sids), c.createArrayOf("uuid", eventIds), c.createArrayOf("bigint", versions)};
        try (PreparedStatement ps = c.prepareStatement(MERGE_UNNEST)) {
            for (int k = 0; k < arrays.length; k++) {
                ps.setArray(k + 1, arrays[k]);
            }
            return ps.executeUpdate();
        } finally {
            for (Array a : arrays) {
                a.free();
            }
        }
    }

    private static void uuid(DataOutputStream out, String value) throws IOException {
        UUID u = UUID.fromString(value);
        out.writeInt(16);
        out.writeLong(u.getMostSignificantBits());
        out.writeLong(u.getLeastSignificantBits());
    }

    private static void text(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }
}

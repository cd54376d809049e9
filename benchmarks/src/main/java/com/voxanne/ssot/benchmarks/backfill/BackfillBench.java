package com.voxanne.ssot.benchmarks.backfill;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.infra.Loader;
import com.voxanne.ssot.benchmarks.infra.TimedDataSource;
import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.benchmarks.report.Stats;
import com.voxanne.ssot.benchmarks.report.Target;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.projector.ProjectorSettings;
import com.voxanne.ssot.projector.backfill.Backfill;
import com.voxanne.ssot.projector.backfill.BackfillListener;
import com.voxanne.ssot.projector.backfill.BackfillSettings;
import com.voxanne.ssot.projector.backfill.BackfillSummary;
import com.voxanne.ssot.projector.backfill.StartFrom;
import com.voxanne.ssot.projector.store.OrgCredentialsUpsert;
import com.voxanne.ssot.projector.store.UpsertCounts;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.registry.RegisteredSchemas;
import com.voxanne.ssot.schemas.registry.SchemaRegistryClient;
import com.voxanne.ssot.schemas.serde.AvroWire;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Figure 1: N NumberProvisioned events replayed from Kafka into org_credentials by the projector's real
 * {@link Backfill} (its default settings: parallel writers, COPY for large batches), against, in the same run, an
 * independent ceiling ({@link IndependentCeiling}: written here without the projector's classes or SQL, binary COPY + merge
 * and unnest arrays, with 1 to 4 sessions on disjoint keys; the best of them) and the naive baseline
 * ({@link OrgCredentialsUpsert#upsertOneByOne}: one upsert and one commit per event, on a sample). Before each measurement,
 * org_credentials is reset to the same state: every odd event's key already exists with an older version, so half the
 * events insert and half update.
 */
public final class BackfillBench {
    public static final String NUMBER = "1";
    private static final String TOPIC = "bench.backfill.numbers.provisioned";
    private static final int PARTITIONS = 6;
    private static final int COPY_CHUNK = 10_000;
    /** Parallel sessions the ceiling tries (on 2 cores more than 2 rarely help; the figures show whether they do). */
    static final List<Integer> SESSIONS = List.of(1, 2, 3, 4);
    /** Chunk sizes the ceiling's calibration tries beyond the bench's batch sizes (COPY favours larger chunks). */
    private static final List<Integer> LARGE_CHUNKS = List.of(50_000, 100_000);

    private final BenchStack stack;
    private final BenchSizes sizes;
    private final PrintStream progress;
    private final SyntheticEvents events;
    private final OrgCredentialsUpsert upsert = new OrgCredentialsUpsert();
    private final RegisteredSchemas registry;
    private volatile long blackhole;
    private BenchDatabase db;
    private final Map<IndependentCeiling.Method, Integer> chunks = new LinkedHashMap<>();

    public BackfillBench(BenchStack stack, BenchSizes sizes, PrintStream progress) {
        this.stack = stack;
        this.sizes = sizes;
        this.progress = progress;
        this.events = new SyntheticEvents(sizes.backfillEvents(), sizes.backfillOrgs());
        this.registry = new RegisteredSchemas(SchemaRegistryClient.of(stack.schemaRegistryUrl()));
    }

    public static Section section(int runs) {
        Section section = new Section(NUMBER, "Backfill replay",
                "N NumberProvisioned events (Confluent wire format, as the relay writes them) are replayed from"
                        + " `telephony.numbers.provisioned` (6 partitions) into org_credentials by the projector's real `Backfill`"
                        + " (decode, validate, known-organisation check, version-guarded upsert, COPY + merge for large batches,"
                        + " parallel writers each owning a group of partitions, commit). In the same run and from the same starting"
                        + " state (half the keys already present with an older version: half the events insert, half update), the"
                        + " ceiling is independent of the projector's code: the bench's own fastest writes of the same rows from"
                        + " memory into the same table (foreign key, E.164 check, identity, unique key, written_by trigger) with the"
                        + " same semantics (version guard with event-id tie-break, no resurrection of a released number, marked as"
                        + " the backfill's): binary COPY of chunks into a temporary table + one `INSERT ... SELECT ... ON CONFLICT DO"
                        + " UPDATE ... WHERE version <` per chunk, and `INSERT ... SELECT FROM unnest(arrays)`, each with 1 to 4"
                        + " sessions on disjoint keys, chunk sizes calibrated; the best of them is the ceiling (all timed whole,"
                        + " encoding included). The naive baseline is `OrgCredentialsUpsert.upsertOneByOne` (one upsert and one"
                        + " commit per event).",
                runs)
                .figure("replay", "replay through Backfill", "rows/s")
                .figure("ceiling", "independent ceiling: best of the methods below", "rows/s");
        for (IndependentCeiling.Method method : IndependentCeiling.Method.values()) {
            for (int sessions : SESSIONS) {
                section.figure(ceilingId(method, sessions), "ceiling: " + label(method) + ", " + sessions
                        + (sessions == 1 ? " session" : " sessions"), "rows/s");
            }
        }
        return section
                .figure("naive", "naive: one upsert + commit per event", "rows/s")
                .figure("vsCeiling", "replay / independent ceiling (same run)", Format.RATIO, Target.atLeast(0.9, Format.RATIO),
                        "Profile above: the share outside the database (Kafka fetch, Avro decode) is added to the writers'"
                                + " time only when the writers wait for the poll thread; more writers (PROJECTOR_BACKFILL_WRITERS)"
                                + " help only while the ceiling's own figures show more sessions helping, and binary instead of"
                                + " text COPY saves the server's parsing of the staged rows.")
                .figure("vsNaive", "replay / naive (same run)", Format.RATIO, Target.atLeast(25, Format.RATIO),
                        "Larger poll batches (PROJECTOR_MAX_POLL_RECORDS) reach the COPY path more often and amortise each"
                                + " commit's fsync over more rows.")
                .figure("decodeConfluent", "decode of one event, Confluent wire format (registry id, cached)", "ns")
                .figure("decodeSingleObject", "decode of one event, single-object encoding", "ns")
                .figure("serdeShare", "decode (Confluent) / replay time per event (same run)", "%", Target.atMost(5, "%"),
                        "Decode the batch on the poll thread while the previous batch commits (the live projector does), so"
                                + " decoding overlaps the database instead of adding to it.");
    }

    static String ceilingId(IndependentCeiling.Method method, int sessions) {
        return "ceiling" + (method == IndependentCeiling.Method.COPY ? "Copy" : "Unnest") + sessions;
    }

    private static String label(IndependentCeiling.Method method) {
        return method == IndependentCeiling.Method.COPY ? "binary COPY + merge" : "unnest arrays";
    }

    /** Creates the database, the organisations and the topic, and loads the N events into it (not timed). */
    public void setUp() throws Exception {
        db = stack.newDatabase("bench_backfill", SESSIONS.get(SESSIONS.size() - 1));
        insertOrganisations();
        stack.createTopics(List.of(new NewTopic(TOPIC, Optional.of(PARTITIONS), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"))));
        long t0 = System.nanoTime();
        Topic<String, NumberProvisioned> topic = topic();
        try (Loader<String, NumberProvisioned> loader = new Loader<>(stack.kafka(), "bench-backfill-loader", new StringSerializer(),
                topic.valueSerde().serializer())) {
            for (int i = 0; i < events.count(); i++) {
                NumberProvisioned e = events.event(i);
                loader.send(TOPIC, e.getOrgId(), e);
            }
            loader.finish(stack, List.of(TOPIC), events.count());
        }
        progress.printf(Locale.ROOT, "  loaded %,d events into %s in %.1f s%n", events.count(), TOPIC, (System.nanoTime() - t0) / 1e9);
    }

    /** Tries the candidate chunk sizes once per ceiling method (one session, slices of fresh rows) and keeps the fastest. */
    public void calibrate(Section section) throws Exception {
        IndependentCeiling ceiling = new IndependentCeiling(db.pool(), events);
        List<Integer> candidates = new ArrayList<>(sizes.ceilingBatchSizes());
        if (candidates.size() == 1 || sizes.calibrationRows() == 0) {
            for (IndependentCeiling.Method method : IndependentCeiling.Method.values()) {
                chunks.put(method, candidates.get(0));
            }
            section.setting("ceiling chunk: " + candidates.get(0) + " rows per transaction (not calibrated in --quick)");
            return;
        }
        LARGE_CHUNKS.stream().filter(c -> c <= sizes.calibrationRows() && !candidates.contains(c)).forEach(candidates::add);
        for (IndependentCeiling.Method method : IndependentCeiling.Method.values()) {
            reset();
            Map<Integer, Double> rates = new LinkedHashMap<>();
            int from = 0;
            for (int size : candidates) {
                int to = Math.min(from + sizes.calibrationRows(), events.count());
                rates.put(size, (to - from) / ceiling.write(method, 1, size, from, to));
                from = to;
            }
            int best = rates.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            chunks.put(method, best);
            StringBuilder tried = new StringBuilder();
            rates.forEach((size, rate) -> tried.append(tried.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%,d rows: %,.0f rows/s", size, rate)));
            section.setting(String.format(Locale.ROOT, "ceiling chunk for %s: %,d rows per transaction, the best of one"
                    + " calibration pass (one session) on %,d-row slices (%s)", label(method), best, sizes.calibrationRows(), tried));
        }
    }

    /** The bench's database (for describing the server). */
    public BenchDatabase database() {
        return db;
    }

    public void describe(Section section) {
        ProjectorSettings settings = projectorSettings();
        section.setting(String.format(Locale.ROOT, "N = %,d events over %,d organisations, 6 partitions; %,d pre-existing rows (older"
                + " version) so %,d insert and %,d update", events.count(), sizes.backfillOrgs(), SyntheticEvents.conflictsIn(events.count()),
                events.count() - SyntheticEvents.conflictsIn(events.count()), SyntheticEvents.conflictsIn(events.count())));
        BackfillSettings writing = BackfillSettings.defaults();
        section.setting("Backfill: PROJECTOR_MAX_POLL_RECORDS=" + settings.maxPollRecords() + ", PROJECTOR_BACKFILL_WRITERS="
                + writing.writers() + ", PROJECTOR_BACKFILL_COPY_THRESHOLD=" + writing.copyThreshold() + " (the defaults)");
        section.setting(String.format(Locale.ROOT, "naive baseline on a sample of the first %,d events (same mix), as one-by-one at"
                + " ~5,000 rows/s would take minutes for all N", Math.min(sizes.naiveSample(), events.count())));
        section.setting("before each measurement: TRUNCATE org_credentials, COPY the pre-existing rows, ANALYZE, CHECKPOINT");
    }

    /** One run: every ceiling method, replay and naive, each from the same reset state. */
    public void run(int run, Section section) throws Exception {
        IndependentCeiling independent = new IndependentCeiling(db.pool(), events);
        Rate ceiling = new Rate(0, 0);
        String bestCeiling = "";
        for (IndependentCeiling.Method method : IndependentCeiling.Method.values()) {
            for (int sessions : SESSIONS) {
                reset();
                double seconds = independent.write(method, sessions, chunks.get(method), 0, events.count());
                double rate = events.count() / seconds;
                section.put(ceilingId(method, sessions), run, rate);
                if (rate > ceiling.rate()) {
                    ceiling = new Rate(rate, seconds);
                    bestCeiling = label(method) + " with " + sessions + " session(s)";
                }
            }
        }
        section.put("ceiling", run, ceiling.rate());

        reset();
        TimedDataSource timed = new TimedDataSource(db.pool());
        Backfill backfill = new Backfill(stack.kafka(), topic(), timed, new SimpleMeterRegistry(), Redactor.none(),
                projectorSettings(), BackfillSettings.defaults(), Backfill.DEFAULT_GIVE_UP_AFTER);
        BackfillSummary summary = backfill.run(StartFrom.beginning(), false, BackfillListener.NONE);
        double seconds = summary.elapsed().toNanos() / 1e9;
        double replay = summary.records() / seconds;
        section.put("replay", run, replay);
        checkCounts("replay", summary.inserted(), summary.updated(), summary.deadLettered(), summary.records());

        reset();
        int sample = Math.min(sizes.naiveSample(), events.count());
        List<NumberProvisioned> naiveEvents = events.range(0, sample);
        long n0 = System.nanoTime();
        UpsertCounts naiveCounts;
        try (Connection c = db.pool().getConnection()) {
            naiveCounts = upsert.upsertOneByOne(c, naiveEvents);
        }
        double naive = sample / ((System.nanoTime() - n0) / 1e9);
        section.put("naive", run, naive);
        checkCounts("naive", naiveCounts.inserted(), naiveCounts.updated(), 0, sample);

        double confluentNs = decodeNanos(topic(), run);
        double singleObjectNs = decodeNanos(singleObjectTopic(), run);
        section.put("decodeConfluent", run, confluentNs);
        section.put("decodeSingleObject", run, singleObjectNs);
        section.put("serdeShare", run, 100 * confluentNs / (1e9 / replay));

        section.put("vsCeiling", run, replay / ceiling.rate());
        section.put("vsNaive", run, replay / naive);
        double inDb = timed.heldSeconds();
        section.profile(String.format(Locale.ROOT, "run %d: replay %,d rows in %.2f s, of which %.2f s (%.0f%%) inside its %,d database"
                        + " transactions (summed over its writers, which overlap) and %.2f s (%.0f%%) of wall time outside them;"
                        + " the best ceiling (%s) took %.2f s for the same rows", run + 1, summary.records(), seconds, inDb,
                100 * inDb / seconds, timed.borrows(), Math.max(0, seconds - inDb), Math.max(0, 100 * (seconds - inDb) / seconds),
                bestCeiling, ceiling.seconds()));
        progress.printf(Locale.ROOT, "  run %d: replay %,.0f rows/s, ceiling %,.0f rows/s, naive %,.0f rows/s%n", run + 1, replay,
                ceiling.rate(), naive);
    }

    /** Explains a replay that matched or beat its ceiling, so the reader does not take the ceiling for a bug. */
    public void conclude(Section section) {
        double ratio = Stats.of(section.figures().stream().filter(f -> f.id().equals("vsCeiling")).findFirst().orElseThrow().runs())
                .median();
        if (ratio >= 1.0) {
            section.profile(CEILING_NOTE);
        }
    }

    static final String CEILING_NOTE = "the replay matched or beat the ceiling, most likely because Kafka partitions the events"
            + " by orgId: a poll batch comes from few partitions, each holding a sixth of the organisations, while a ceiling batch"
            + " of consecutive events touches a different organisation with every row, so the replay's upserts touch fewer index"
            + " pages. A ceiling fed in key order would be a stricter bar.";

    private void checkCounts(String what, long inserted, long updated, long deadLettered, long records) {
        long expectedUpdates = SyntheticEvents.conflictsIn((int) records);
        if (inserted != records - expectedUpdates || updated != expectedUpdates || deadLettered != 0) {
            throw new IllegalStateException(what + " wrote " + inserted + " new and " + updated + " updated rows and parked "
                    + deadLettered + " of " + records + " events; expected " + (records - expectedUpdates) + " / " + expectedUpdates
                    + " / 0: the measurement is not of the intended work");
        }
    }

    private record Rate(double rate, double seconds) {
    }

    /** org_credentials back to the starting state: only the odd keys, with an older version. */
    private void reset() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            try (var st = c.createStatement()) {
                st.execute("TRUNCATE org_credentials");
            }
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY org_credentials (org_id, provider, phone_number,"
                    + " vapi_phone_id, twilio_sid, is_managed, last_event_id, version) FROM STDIN");
            StringBuilder chunk = new StringBuilder(COPY_CHUNK * 160);
            int rows = 0;
            for (int i = 1; i < events.count(); i += 2) {
                chunk.append(events.orgId(i)).append("\ttwilio\t").append(SyntheticEvents.phone(i)).append('\t')
                        .append(SyntheticEvents.oldVapiPhoneId(i)).append('\t').append(SyntheticEvents.twilioSid(i)).append("\tt\t")
                        .append(UUID.nameUUIDFromBytes(("seed-" + i).getBytes(StandardCharsets.UTF_8))).append('\t')
                        .append(SyntheticEvents.seedVersion(i)).append('\n');
                if (++rows % COPY_CHUNK == 0) {
                    write(copy, chunk);
                }
            }
            write(copy, chunk);
            copy.endCopy();
            c.commit();
        }
        db.executeAutocommit("ANALYZE org_credentials");
        db.executeAutocommit("CHECKPOINT");
    }

    private static void write(CopyIn copy, StringBuilder chunk) throws SQLException {
        if (chunk.length() > 0) {
            byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            chunk.setLength(0);
        }
    }

    private void insertOrganisations() throws SQLException {
        db.insertOrganisations(events.orgIds().stream().map(UUID::fromString).toList(), "Bench org ", "bench-");
    }

    /** The bench topic in the Confluent wire format through the stack's registry, as the pipeline writes it. */
    private Topic<String, NumberProvisioned> topic() {
        return Topics.withNames(Map.of(Topics.NUMBERS_PROVISIONED, TOPIC)).withWire(AvroWire.confluent(registry)).numbersProvisioned();
    }

    private static Topic<String, NumberProvisioned> singleObjectTopic() {
        return Topics.withNames(Map.of(Topics.NUMBERS_PROVISIONED, TOPIC)).numbersProvisioned();
    }

    /**
     * Nanoseconds per event to decode the bench's events from memory with {@code topic}'s serde (encoded once with it,
     * untimed; one untimed pass first so the JIT has compiled the path): the serde's own cost, no Kafka, no database.
     */
    private double decodeNanos(Topic<String, NumberProvisioned> topic, int run) {
        int n = Math.min(events.count(), 200_000);
        byte[][] encoded = new byte[n][];
        for (int i = 0; i < n; i++) {
            encoded[i] = topic.valueSerde().serializer().serialize(TOPIC, events.event(i));
        }
        long sink = 0;
        for (int pass = 0; pass < 2; pass++) {
            long t0 = System.nanoTime();
            for (byte[] bytes : encoded) {
                sink += topic.valueSerde().deserializer().deserialize(TOPIC, bytes).getPhoneNumber().length();
            }
            if (pass == 1) {
                double nanos = (System.nanoTime() - t0) / (double) n;
                blackhole += sink; // the decoded values are used, so the JIT cannot drop the decoding
                return nanos;
            }
        }
        throw new AssertionError("unreachable");
    }

    private static ProjectorSettings projectorSettings() {
        return ProjectorSettings.from(ConfigSource.of(Map.of()));
    }
}

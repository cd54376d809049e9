package com.voxanne.ssot.benchmarks.relay;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.infra.BenchWaits;
import com.voxanne.ssot.benchmarks.infra.TopicWatcher;
import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.benchmarks.report.Stats;
import com.voxanne.ssot.benchmarks.report.Target;
import com.voxanne.ssot.platform.kafka.TopicSetup;
import com.voxanne.ssot.schemas.TopicPlan;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.provisioner.outbox.ManagedNumber;
import com.voxanne.ssot.provisioner.outbox.NumberProvisionedFactory;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.relay.config.RelaySettings;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Figure 4: the log-based relay alone (its own database, slot and topics; nothing else running). Latency: single
 * outbox rows are committed every 20 ms (insert + delete in one transaction, as the provisioner writes them) and
 * timed from just before COMMIT to the record's arrival on telephony.numbers.provisioned. Throughput: with the relay
 * stopped, a backlog of outbox rows is committed, then a new relay drains it from its slot; rows/s is taken from the
 * first to the last arrival, so the engine's start is not counted.
 */
public final class RelayBench implements AutoCloseable {
    public static final String NUMBER = "4";
    private static final String SLOT = "bench_relay";
    private static final String SUFFIX = "bench.relay";
    private static final Duration PACE = Duration.ofMillis(20);
    private static final int BACKLOG_TX_ROWS = 1_000;

    private final BenchStack stack;
    private final BenchSizes sizes;
    private final PrintStream progress;
    private final Path dataDir;
    /** Arrival nanos by event id. */
    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    /** {record timestamp (when the relay handed it to its producer), arrival} in epoch ms, by event id. */
    private final Map<String, long[]> arrivalClock = new ConcurrentHashMap<>();
    private final Closer closer = new Closer("relay bench");
    private BenchDatabase db;
    private ServiceContext context;
    private RelayService relay;
    private TopicWatcher<String, byte[]> watcher;
    private OutboxWriter outbox;

    public RelayBench(BenchStack stack, BenchSizes sizes, Path dataDir, PrintStream progress) {
        this.stack = stack;
        this.sizes = sizes;
        this.dataDir = dataDir;
        this.progress = progress;
    }

    public static Section section(int runs) {
        return new Section(NUMBER, "Relay (outbox to Kafka)",
                "The relay (Debezium embedded engine on its own replication slot, EventRouter for the outbox) runs alone on its"
                        + " own database. Latency: one outbox row per transaction (insert + delete, ~200-byte Avro payload), one every"
                        + " 20 ms, timed from just before COMMIT to the record's arrival at a consumer of telephony.numbers.provisioned."
                        + " Throughput: a backlog of outbox rows is committed while the relay is stopped (1,000 rows per transaction);"
                        + " a new relay drains it from the slot; rows/s counts from the first to the last arrival.",
                runs)
                .figure("p50", "outbox commit -> record on topic, p50", Format.MS, Target.atMost(25, Format.MS),
                        "Most of the latency is the connector's poll interval and the producer's linger: lower RELAY_POLL_INTERVAL"
                                + " (10 ms) and the relay producer's linger.ms (5 ms) trade CPU for latency.")
                .figure("p99", "outbox commit -> record on topic, p99", Format.MS)
                .figure("max", "outbox commit -> record on topic, max", Format.MS)
                .figure("rate", "rows/s drained from the slot", "rows/s", Target.atLeast(25_000, "rows/s"),
                        "The embedded engine hands batches of at most RELAY_MAX_BATCH_SIZE (2,048) changes to one thread that maps"
                                + " every change (Struct to JSON or bytes, EventRouter) and waits for Kafka's acknowledgement of the whole"
                                + " batch before taking the next, so mapping, sending and acknowledging do not overlap. Larger batches"
                                + " (RELAY_MAX_BATCH_SIZE 8k-16k, RELAY_MAX_QUEUE_SIZE 4x that) and overlapping the acknowledgement of batch"
                                + " N with the mapping of batch N+1 (acknowledge offsets in order, later) would close it; on 2 shared"
                                + " cores the pgoutput decoding in PostgreSQL and the broker compete for the same CPU.");
    }

    public void setUp(Section section) throws Exception {
        db = stack.newDatabase("bench_relay", 2);
        // registered first so that it runs last, once the relay has let go of the slot
        closer.onClose("drop the replication slot", () -> RelayService.dropSlot(db.settings(), SLOT));
        Map<String, String> env = new HashMap<>(stack.environment(db, dataDir));
        env.put("RELAY_SLOT_NAME", SLOT);
        env.put("RELAY_OFFSETS_TOPIC", SUFFIX + ".offsets");
        for (String id : Topics.ids()) {
            env.put(Topics.envVarName(id), SUFFIX + "." + id.toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        ConfigSource source = ConfigSource.of(env);
        SsotConfig config = SsotConfig.from(source);
        Topics topics = config.topics();
        TopicSetup.ensure(stack.admin(), TopicPlan.of(topics, 6, 1), Duration.ofSeconds(30));
        context = new ServiceContext(config, source, stack.kafka(), db.settings(), new SimpleMeterRegistry(), new HealthRegistry(),
                Redactor.none());
        outbox = new OutboxWriter(topics.numbersProvisioned());
        int payloadBytes = topics.numbersProvisioned().valueSerde().serializer()
                .serialize(topics.numbersProvisioned().name(), event("bench-org")).length;
        watcher = closer.register("stop the topic watcher", TopicWatcher.start(stack.kafka(), topics.numbersProvisioned().name(), new StringDeserializer(),
                new ByteArrayDeserializer(), (record, nanos, millis) -> {
                    Header id = record.headers().lastHeader("eventId");
                    if (id != null) {
                        String eventId = new String(id.value(), StandardCharsets.UTF_8);
                        arrivalClock.put(eventId, new long[] {record.timestamp(), millis});
                        arrivals.put(eventId, nanos);
                    }
                }));
        // the backlog measurement replaces the relay, so the step closes whichever one runs then
        closer.onClose("close the relay", () -> {
            if (relay != null) {
                relay.close();
            }
        });
        relay = RelayService.create(context);
        relay.start();
        RelaySettings settings = relay.settings();
        section.setting("relay settings: defaults: RELAY_POLL_INTERVAL=" + settings.pollInterval().toMillis() + "ms, RELAY_MAX_BATCH_SIZE="
                + settings.maxBatchSize() + ", RELAY_MAX_QUEUE_SIZE=" + settings.maxQueueSize() + ", RELAY_OFFSET_FLUSH="
                + settings.offsetFlushInterval().toMillis() + "ms; producer idempotent, acks=all; payload " + payloadBytes
                + " bytes (a real NumberProvisioned)");
        section.setting(String.format(Locale.ROOT, "latency: %d single-row transactions per run, one every %d ms; throughput: %,d rows"
                + " per run in %,d-row transactions", sizes.relayLatencySamples(), PACE.toMillis(), sizes.relayBacklogRows(),
                BACKLOG_TX_ROWS));
        progress.println("  relay streaming from slot " + settings.slotName());
    }

    /** One untimed backlog drain first, so the first run does not pay for the engine's and the JIT's warm-up. */
    public void warmUp(Section section) throws Exception {
        backlog();
        section.setting("one untimed backlog drain before the runs (class loading, JIT)");
    }

    public void run(int run, Section section) throws Exception {
        Stats latency = latency(run, section);
        section.put("p50", run, latency.median());
        section.put("p99", run, latency.percentile(99));
        section.put("max", run, latency.max());
        double rate = backlog();
        section.put("rate", run, rate);
        progress.printf(Locale.ROOT, "  run %d: p50 %.1f ms, p99 %.1f ms, %,.0f rows/s%n", run + 1, latency.median(),
                latency.percentile(99), rate);
    }

    private Stats latency(int run, Section section) throws Exception {
        Map<String, Long> committedAt = new HashMap<>();
        Map<String, Long> committedAtMillis = new HashMap<>();
        try (Connection c = db.pool().getConnection()) {
            long start = System.nanoTime();
            for (int i = 0; i < sizes.relayLatencySamples(); i++) {
                BenchWaits.parkUntil(start + i * PACE.toNanos());
                NumberProvisioned event = event("bench-org");
                outbox.write(c, event);
                committedAtMillis.put(event.getEventId(), System.currentTimeMillis());
                committedAt.put(event.getEventId(), System.nanoTime());
                c.commit();
            }
        }
        BenchWaits.require(() -> arrivals.keySet().containsAll(committedAt.keySet()), Duration.ofSeconds(60),
                "the relay to publish " + committedAt.size() + " outbox rows");
        List<Double> ms = new ArrayList<>();
        List<Double> toProducer = new ArrayList<>();
        List<Double> toConsumer = new ArrayList<>();
        committedAt.forEach((id, t0) -> {
            ms.add((arrivals.remove(id) - t0) / 1e6);
            long[] clock = arrivalClock.remove(id);
            toProducer.add((double) (clock[0] - committedAtMillis.get(id)));
            toConsumer.add((double) (clock[1] - clock[0]));
        });
        Stats all = Stats.of(ms);
        Stats engine = Stats.of(toProducer);
        Stats kafka = Stats.of(toConsumer);
        section.profile(String.format(Locale.ROOT, "run %d, latency p50 %.1f / p99 %.1f ms = COMMIT -> the relay hands the record to its"
                        + " producer (WAL decoding, engine poll, EventRouter; the record's timestamp, ms resolution) p50 %.0f / p99 %.0f ms"
                        + " + producer -> consumer (acks=all append, fetch) p50 %.0f / p99 %.0f ms", run + 1, all.median(), all.percentile(99),
                engine.median(), engine.percentile(99), kafka.median(), kafka.percentile(99)));
        return all;
    }

    /** Stops the relay, commits a backlog, and times a new relay draining it. */
    private double backlog() throws Exception {
        relay.close();
        relay = null;
        List<String> ids = new ArrayList<>(sizes.relayBacklogRows());
        try (Connection c = db.pool().getConnection()) {
            List<NumberProvisioned> tx = new ArrayList<>(BACKLOG_TX_ROWS);
            for (int i = 0; i < sizes.relayBacklogRows(); i++) {
                NumberProvisioned event = event("bench-org-" + (i % 100));
                ids.add(event.getEventId());
                tx.add(event);
                if (tx.size() == BACKLOG_TX_ROWS || i == sizes.relayBacklogRows() - 1) {
                    outbox.write(c, tx);
                    c.commit();
                    tx.clear();
                }
            }
        }
        relay = RelayService.create(context);
        relay.start();
        BenchWaits.require(() -> arrivals.keySet().containsAll(ids), Duration.ofMinutes(5),
                "the relay to drain " + ids.size() + " outbox rows");
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (String id : ids) {
            arrivalClock.remove(id);
            long t = arrivals.remove(id);
            first = Math.min(first, t);
            last = Math.max(last, t);
        }
        return (ids.size() - 1) / ((last - first) / 1e9);
    }

    /** A NumberProvisioned as the provisioner makes it, for a number of its own (every event id differs). */
    private static NumberProvisioned event(String orgId) {
        return NumberProvisionedFactory.from(new ManagedNumber(UUID.randomUUID().toString(), orgId, "+14155550100",
                "PN" + UUID.randomUUID().toString().replace("-", ""), UUID.randomUUID().toString(), "bench-relay-" + UUID.randomUUID(),
                null, Instant.now()));
    }

    @Override
    public void close() {
        closer.close();
    }
}

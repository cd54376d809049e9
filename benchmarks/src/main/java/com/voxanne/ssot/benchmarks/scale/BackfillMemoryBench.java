package com.voxanne.ssot.benchmarks.scale;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.backfill.SyntheticEvents;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.infra.Loader;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.kafka.TopicSetup;
import com.voxanne.ssot.schemas.TopicPlan;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The backfill's memory in figure 7: {@code ./ssot backfill --from-beginning} ({@link ChildService}, a JVM of its own)
 * replays a smaller and a larger log of NumberProvisioned events into an empty SSOT, and its resident set is sampled
 * throughout. A backfill that keeps nothing per event has the same peak for both; the ratio says whether it does. Each
 * replay is checked: every event counted, none dead-lettered, one SSOT row per event.
 */
public final class BackfillMemoryBench {
    private static final String PREFIX = "bench.scale.backfill";
    private static final int PARTITIONS = 6;
    private static final Duration REPLAY_TIMEOUT = Duration.ofMinutes(60);
    private static final Pattern SUMMARY = Pattern.compile("records=(\\d+) inserted=(\\d+) .*deadLettered=(\\d+) elapsedMs=(\\d+)");
    private static final Pattern MEMORY = Pattern.compile(
            "liveHeapMb=([0-9.]+) heapCommittedMb=([0-9.]+) nonHeapCommittedMb=([0-9.]+)");

    private final BenchStack stack;
    private final BenchSizes.Scale sizes;
    private final Path work;
    private final PrintStream progress;
    private final SyntheticEvents events;
    private BenchDatabase db;

    public BackfillMemoryBench(BenchStack stack, BenchSizes sizes, Path work, PrintStream progress) {
        this.stack = stack;
        this.sizes = sizes.scale();
        this.work = work;
        this.progress = progress;
        this.events = new SyntheticEvents(this.sizes.backfillLarge(), this.sizes.orgs());
    }

    /** One replay: its peak RSS, its rate, and what its JVM held at the end (see {@link ChildService#memory()}). */
    private record Replay(long events, double peakRssMb, double seconds, double liveHeapMb, double heapCommittedMb,
                          double nonHeapCommittedMb) {
        double rate() {
            return events / seconds;
        }
    }

    public void run(Section section) throws Exception {
        db = stack.newDatabase("bench_scale_backfill", 2);
        db.insertOrganisations(events.orgIds().stream().map(UUID::fromString).toList(), "Backfill org ", "backfill-org-");
        String small = load("small", sizes.backfillSmall());
        String large = load("large", sizes.backfillLarge());
        Replay smaller = replay(small, sizes.backfillSmall());
        Replay larger = replay(large, sizes.backfillLarge());
        section.put("backfillRssSmall", 0, smaller.peakRssMb());
        section.put("backfillRssLarge", 0, larger.peakRssMb());
        section.put("backfillRssRatio", 0, larger.peakRssMb() / smaller.peakRssMb());
        section.put("backfillLiveHeapSmall", 0, smaller.liveHeapMb());
        section.put("backfillLiveHeapLarge", 0, larger.liveHeapMb());
        section.put("backfillRateLarge", 0, larger.rate());
        section.profile(String.format(Locale.ROOT, "backfill memory: %s; %s; %.2fx (RSS sampled every 250 ms from the JVM's start"
                        + " to its exit; live heap after a full collection once the replay is done)", describe(smaller), describe(larger),
                larger.peakRssMb() / smaller.peakRssMb()));
        progress.printf(Locale.ROOT, "  backfill RSS %.0f MB (%,d events) vs %.0f MB (%,d events): %.2fx; live heap %.0f vs %.0f MB%n",
                smaller.peakRssMb(), smaller.events(), larger.peakRssMb(), larger.events(), larger.peakRssMb() / smaller.peakRssMb(),
                smaller.liveHeapMb(), larger.liveHeapMb());
    }

    private static String describe(Replay r) {
        return String.format(Locale.ROOT, "%,d events in %.0f s (%,.0f events/s), peak RSS %.0f MB, at the end heap committed %.0f MB"
                        + " (live %.0f MB), non-heap committed %.0f MB", r.events(), r.seconds(), r.rate(), r.peakRssMb(),
                r.heapCommittedMb(), r.liveHeapMb(), r.nonHeapCommittedMb());
    }

    /** A topic holding events 0..count-1 (not timed). */
    private String load(String name, int count) throws Exception {
        String topic = PREFIX + "." + name + ".numbers.provisioned";
        stack.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"))));
        long t0 = System.nanoTime();
        Topic<String, NumberProvisioned> serde = config(topic).topics().numbersProvisioned();
        try (Loader<String, NumberProvisioned> loader = new Loader<>(stack.kafka(), "bench-scale-backfill-loader",
                new StringSerializer(), serde.valueSerde().serializer())) {
            for (int i = 0; i < count; i++) {
                NumberProvisioned e = events.event(i);
                loader.send(topic, e.getOrgId(), e);
            }
            loader.finish(stack, List.of(topic), count);
        }
        progress.printf(Locale.ROOT, "  loaded %,d events into %s in %.1f s%n", count, topic, (System.nanoTime() - t0) / 1e9);
        return topic;
    }

    /** Replays {@code topic} into an empty SSOT in a JVM of its own and checks what it wrote. */
    private Replay replay(String topic, int count) throws Exception {
        db.execute("TRUNCATE org_credentials, ssot_released_numbers");
        db.executeAutocommit("CHECKPOINT");
        Map<String, String> env = environment(topic);
        TopicSetup.ensure(stack.admin(), TopicPlan.of(SsotConfig.from(ConfigSource.of(env)).topics(), PARTITIONS, 1),
                Duration.ofSeconds(30));
        ChildJvm backfill = ChildJvm.start("backfill", env, work.resolve("backfill-" + count));
        try {
            String line = backfill.awaitLine(ChildService.BACKFILL_DONE, REPLAY_TIMEOUT);
            int exit = backfill.awaitExit(Duration.ofMinutes(2));
            Matcher m = SUMMARY.matcher(line);
            if (exit != 0 || !m.find() || Long.parseLong(m.group(1)) != count || Long.parseLong(m.group(3)) != 0) {
                throw new IllegalStateException("the backfill of " + count + " events ended with exit " + exit + ": " + line);
            }
            long rows = db.queryLong("SELECT count(*) FROM org_credentials");
            if (rows != count) {
                throw new IllegalStateException("the backfill of " + count + " events left " + rows + " SSOT rows");
            }
            Matcher memory = MEMORY.matcher(backfill.awaitLine(ChildService.MEMORY, Duration.ofSeconds(1)));
            if (!memory.find()) {
                throw new IllegalStateException("the backfill of " + count + " events printed no memory figures: " + backfill.output());
            }
            return new Replay(count, backfill.peakRssMb(), Long.parseLong(m.group(4)) / 1000.0,
                    Double.parseDouble(memory.group(1)), Double.parseDouble(memory.group(2)), Double.parseDouble(memory.group(3)));
        } finally {
            backfill.close();
        }
    }

    /** The bench stack's settings with the event log at {@code topic} and every other topic of its own. */
    private Map<String, String> environment(String topic) {
        Map<String, String> env = new HashMap<>(stack.environment(db, work.resolve("data")));
        for (String id : Topics.ids()) {
            env.put(Topics.envVarName(id), PREFIX + "." + id.toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        env.put(Topics.envVarName(Topics.NUMBERS_PROVISIONED), topic);
        return env;
    }

    private SsotConfig config(String topic) {
        return SsotConfig.from(ConfigSource.of(environment(topic)));
    }
}

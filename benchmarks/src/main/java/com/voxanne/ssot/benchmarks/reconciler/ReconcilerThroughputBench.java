package com.voxanne.ssot.benchmarks.reconciler;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.infra.Loader;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.reconciler.ReconcilerService;
import com.voxanne.ssot.reconciler.catchup.InputLag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Figure 3, throughput: the real {@link ReconcilerService} (its topology, exactly-once v2, its catch-up monitor and
 * dead-letter handler) consuming a synthetic CDC stream of N managed-number changes and N SSOT-row changes, against a
 * bare KTable-KTable outer join of the same two topics with the same Streams settings, in the same run: the join type
 * the reconciler's topology does (a full outer join since STALE_SSOT_ROW), so the ratio is what the reconciler adds. Each
 * measurement is a fresh application id from offset 0 until its committed input lag is 0; which goes first
 * alternates from run to run so a drift of the machine does not always favour one.
 */
public final class ReconcilerThroughputBench {
    private static final String PREFIX = "bench.rec";
    private static final int PARTITIONS = 6;
    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(200);
    private static final Duration LAG_PROBE = Duration.ofMillis(250);
    private static final Duration MEASURE_TIMEOUT = Duration.ofMinutes(10);

    private final BenchStack stack;
    private final BenchSizes sizes;
    private final Path stateRoot;
    private final PrintStream progress;
    private final DatabaseSettings unusedDatabase;

    public ReconcilerThroughputBench(BenchStack stack, BenchSizes sizes, Path stateRoot, DatabaseSettings anyDatabase,
                                     PrintStream progress) {
        this.stack = stack;
        this.sizes = sizes;
        this.stateRoot = stateRoot;
        this.unusedDatabase = anyDatabase;
        this.progress = progress;
    }

    public void describe(Section section) {
        section.setting(String.format(Locale.ROOT, "throughput: %,d + %,d CDC changes (JSON rows as the relay writes them, ~400 bytes),"
                + " %d partitions each; 90%% of managed numbers have their SSOT row, 10%% of SSOT rows are unmanaged numbers",
                sizes.cdcChanges(), sizes.cdcChanges(), PARTITIONS));
        section.setting("both applications: exactly_once_v2, commit.interval.ms=" + COMMIT_INTERVAL.toMillis() + ", 1 stream thread,"
                + " RocksDB stores, default record cache; rate = 2N input records / (start to committed input lag 0)"
                + (sizes.cdcWarmUp() > 0 ? String.format(Locale.ROOT, "; one untimed warm-up of each on %,d + %,d changes first",
                sizes.cdcWarmUp(), sizes.cdcWarmUp()) : ""));
    }

    public void setUp() throws Exception {
        load("main", sizes.cdcChanges());
        if (sizes.cdcWarmUp() > 0) {
            load("warm", sizes.cdcWarmUp());
            measureBare("warm", "warm-up");
            measureReconciler("warm", "warm-up");
        }
    }

    public void run(int run, Section section) throws Exception {
        Measured bare;
        Measured ours;
        if (run % 2 == 0) {
            bare = measureBare("main", "r" + run);
            ours = measureReconciler("main", "r" + run);
        } else {
            ours = measureReconciler("main", "r" + run);
            bare = measureBare("main", "r" + run);
        }
        section.put("bareRate", run, bare.rate());
        section.put("reconcilerRate", run, ours.rate());
        section.put("vsBare", run, ours.rate() / bare.rate());
        section.profile(String.format(Locale.ROOT, "run %d, throughput (%s first): reconciler %.1f s = %.1f s to RUNNING + %.1f s"
                        + " processing (%,.0f records/s while processing); bare join %.1f s = %.1f s to RUNNING + %.1f s processing"
                        + " (%,.0f records/s)", run + 1, run % 2 == 0 ? "bare join" : "reconciler", ours.seconds(), ours.startSeconds(),
                ours.seconds() - ours.startSeconds(), inputRecords("main") / (ours.seconds() - ours.startSeconds()), bare.seconds(),
                bare.startSeconds(), bare.seconds() - bare.startSeconds(), inputRecords("main") / (bare.seconds() - bare.startSeconds())));
        progress.printf(Locale.ROOT, "  run %d: reconciler %,.0f records/s, bare join %,.0f records/s (%.2fx)%n", run + 1, ours.rate(),
                bare.rate(), ours.rate() / bare.rate());
    }

    private void load(String set, int n) throws Exception {
        String managed = managedTopic(set);
        String credentials = credentialsTopic(set);
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        stack.createTopics(List.of(new NewTopic(managed, Optional.of(PARTITIONS), Optional.empty()).configs(compacted),
                new NewTopic(credentials, Optional.of(PARTITIONS), Optional.empty()).configs(compacted)));
        long t0 = System.nanoTime();
        SyntheticCdc cdc = new SyntheticCdc(n);
        try (Loader<String, String> loader = new Loader<>(stack.kafka(), "bench-cdc-loader", new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                loader.send(managed, SyntheticCdc.key(i), SyntheticCdc.managed(i));
                int j = cdc.credentialsIndex(i);
                loader.send(credentials, SyntheticCdc.key(j), SyntheticCdc.credentials(j));
            }
            loader.finish(stack, List.of(managed, credentials), 2L * n);
        }
        progress.printf(Locale.ROOT, "  loaded %,d + %,d CDC changes in %.1f s%n", n, n, (System.nanoTime() - t0) / 1e9);
    }

    private Measured measureBare(String set, String label) throws Exception {
        String appId = PREFIX + ".bare." + set + "." + label;
        String out = appId + ".out";
        stack.createTopics(List.of(new NewTopic(out, Optional.of(PARTITIONS), Optional.empty())));
        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, String> m = builder.table(managedTopic(set), Consumed.with(Serdes.String(), Serdes.String()));
        KTable<String, String> c = builder.table(credentialsTopic(set), Consumed.with(Serdes.String(), Serdes.String()));
        // the reconciler's join type: an SSOT row with no managed number joins too
        m.outerJoin(c, (a, b) -> a == null ? b : b == null ? a : a.length() + "|" + b.length()).toStream()
                .to(out, Produced.with(Serdes.String(), Serdes.String()));
        Topology topology = builder.build();
        Properties props = new Properties();
        props.putAll(stack.kafka().common());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(appId).toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL.toMillis());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        long t0 = System.nanoTime();
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            long[] runningAt = {0};
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING && runningAt[0] == 0) {
                    runningAt[0] = System.nanoTime();
                }
            });
            streams.start();
            double seconds = awaitCaughtUp(appId, set, t0, () -> streams.state() == KafkaStreams.State.ERROR);
            streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            double start = runningAt[0] == 0 ? 0 : Math.min(seconds, (runningAt[0] - t0) / 1e9);
            return new Measured(inputRecords(set) / seconds, seconds, start);
        } finally {
            cleanUp(appId);
        }
    }

    /**
     * Input records/s of {@code instances} instances of the real reconciler (one Streams application, each instance its
     * own state directory) over the main CDC set, from start to committed input lag 0; {@link #setUp()} loads the set.
     */
    public double reconcilerRate(String label, int instances) throws Exception {
        return measureReconciler("main", label, instances).rate();
    }

    private Measured measureReconciler(String set, String label) throws Exception {
        return measureReconciler(set, label, 1);
    }

    private Measured measureReconciler(String set, String label, int instances) throws Exception {
        String appId = PREFIX + ".reconciler." + set + "." + label;
        List<ReconcilerService> services = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < instances; i++) {
                ReconcilerService service = ReconcilerService.create(context(appId, set,
                        instances == 1 ? stateRoot.resolve(appId) : stateRoot.resolve(appId).resolve("instance-" + i)));
                services.add(service);
                service.start();
            }
            double start = (System.nanoTime() - t0) / 1e9;
            double seconds = awaitCaughtUp(appId, set, t0, () -> services.stream()
                    .anyMatch(s -> s.state().map(st -> st == KafkaStreams.State.ERROR).orElse(false)));
            return new Measured(inputRecords(set) / seconds, seconds, Math.min(start, seconds));
        } finally {
            services.forEach(ReconcilerService::close);
            cleanUp(appId);
        }
    }

    private ServiceContext context(String appId, String set, Path stateDir) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("SSOT_DATA_DIR", stateRoot.toString());
        env.put("RECONCILER_APPLICATION_ID", appId);
        env.put("RECONCILER_STATE_DIR", stateDir.toString());
        env.put("RECONCILER_COMMIT_INTERVAL", COMMIT_INTERVAL.toMillis() + "ms");
        env.put("SSOT_TOPIC_PARTITIONS", Integer.toString(PARTITIONS));
        env.put("TOPIC_CDC_MANAGED_NUMBERS", managedTopic(set));
        env.put("TOPIC_CDC_ORG_CREDENTIALS", credentialsTopic(set));
        env.put("TOPIC_VIOLATIONS", appId + ".violations");
        ConfigSource source = ConfigSource.of(env);
        SsotConfig config = SsotConfig.from(source);
        return new ServiceContext(config, source, stack.kafka(), unusedDatabase, new SimpleMeterRegistry(),
                new HealthRegistry(), Redactor.none());
    }

    /** One measurement: input records/s from start to lag 0, and how much of that time went to reaching RUNNING. */
    private record Measured(double rate, double seconds, double startSeconds) {
    }

    private interface Failed {
        boolean now();
    }

    /** Seconds from {@code t0} until the application's committed input lag is 0. */
    private double awaitCaughtUp(String appId, String set, long t0, Failed failed) throws Exception {
        InputLag lag = new InputLag(stack.admin(), appId, List.of(managedTopic(set), credentialsTopic(set)), Duration.ofSeconds(10));
        long deadline = t0 + MEASURE_TIMEOUT.toNanos();
        while (true) {
            if (failed.now()) {
                throw new IllegalStateException("Streams application " + appId + " went to ERROR: see the log");
            }
            long remaining;
            try {
                remaining = lag.measure();
            } catch (ExecutionException | TimeoutException e) {
                remaining = -1; // the group may not exist yet
            }
            long now = System.nanoTime();
            if (remaining == 0) {
                return (now - t0) / 1e9;
            }
            if (now > deadline) {
                throw new IllegalStateException(appId + " did not catch up within " + MEASURE_TIMEOUT + " (lag " + remaining + ")");
            }
            TimeUnit.MILLISECONDS.sleep(LAG_PROBE.toMillis());
        }
    }

    private long inputRecords(String set) {
        return 2L * (set.equals("main") ? sizes.cdcChanges() : sizes.cdcWarmUp());
    }

    private void cleanUp(String appId) throws InterruptedException {
        stack.deleteTopicsStartingWith(appId);
        deleteRecursively(stateRoot.resolve(appId));
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete Streams state " + dir, e);
        }
    }

    private static String managedTopic(String set) {
        return PREFIX + "." + set + ".cdc.managed_phone_numbers";
    }

    private static String credentialsTopic(String set) {
        return PREFIX + "." + set + ".cdc.org_credentials";
    }
}

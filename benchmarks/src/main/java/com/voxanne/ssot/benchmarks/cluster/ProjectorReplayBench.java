package com.voxanne.ssot.benchmarks.cluster;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.backfill.SyntheticEvents;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.infra.Loader;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.ProjectorService;
import com.voxanne.ssot.reconciler.catchup.InputLag;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The backfill with one and with two instances: a replay of the event log into an empty {@code org_credentials} through
 * the projector's consumer group, by one and by two real {@code ProjectorService} instances of that group (a fresh group
 * per measurement, from offset 0; the 6 partitions split between the instances). This is how a replay is shared: the
 * operator's {@code ./ssot backfill} reads every partition with {@code assign()} (its parallelism is its writers,
 * PROJECTOR_BACKFILL_WRITERS, figure 1), while the projector's group lets a second process take half the partitions.
 * Timed from the start of the instances until the group's committed lag is 0, then checked: one SSOT row per event.
 */
final class ProjectorReplayBench {
    static final String TOPIC = "bench.cluster.numbers.provisioned";
    private static final int PARTITIONS = 6;
    private static final Duration MEASURE_TIMEOUT = Duration.ofMinutes(20);

    private final BenchStack stack;
    private final SyntheticEvents events;
    private final Path work;
    private final PrintStream progress;
    private BenchDatabase db;

    ProjectorReplayBench(BenchStack stack, BenchSizes sizes, Path work, PrintStream progress) {
        this.stack = stack;
        this.events = new SyntheticEvents(sizes.clusterBackfillEvents(), sizes.backfillOrgs());
        this.work = work;
        this.progress = progress;
    }

    String describe() {
        return String.format(Locale.ROOT, "backfill with one and two instances: %,d NumberProvisioned events over %,d organisations"
                + " (6 partitions, 3 replicas) replayed into an empty org_credentials by one and by two ProjectorService"
                + " instances of one consumer group (defaults: PROJECTOR_MAX_POLL_RECORDS, pool), timed from their start (joining the"
                + " group and the rebalance that splits the partitions included) to committed lag 0",
                events.count(), events.orgIds().size());
    }

    /** The database, its organisations and the event topic (not timed). */
    void setUp() throws Exception {
        db = stack.newDatabase("bench_cluster_projector", 2);
        db.insertOrganisations(events.orgIds().stream().map(UUID::fromString).toList(), "Bench org ", "bench-");
        stack.createTopics(List.of(new NewTopic(TOPIC, Optional.of(PARTITIONS), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"))));
        long t0 = System.nanoTime();
        Topic<String, NumberProvisioned> topic = config("unused").topics().numbersProvisioned();
        try (Loader<String, NumberProvisioned> loader = new Loader<>(stack.kafka(), "bench-cluster-projector-loader",
                new StringSerializer(), topic.valueSerde().serializer())) {
            for (int i = 0; i < events.count(); i++) {
                NumberProvisioned e = events.event(i);
                loader.send(TOPIC, e.getOrgId(), e);
            }
            loader.finish(stack, List.of(TOPIC), events.count());
        }
        progress.printf(Locale.ROOT, "  loaded %,d events into %s in %.1f s%n", events.count(), TOPIC, (System.nanoTime() - t0) / 1e9);
    }

    /** Events per second replayed into the SSOT by {@code instances} projectors of one fresh group. */
    double rate(String label, int instances) throws Exception {
        db.executeAutocommit("TRUNCATE org_credentials");
        String group = "bench.cluster.projector." + label;
        List<ProjectorService> services = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < instances; i++) {
                ProjectorService service = ProjectorService.create(context(group));
                services.add(service);
                service.start();
            }
            InputLag lag = new InputLag(stack.admin(), group, List.of(TOPIC), Duration.ofSeconds(10));
            long deadline = t0 + MEASURE_TIMEOUT.toNanos();
            while (lag.measure() > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the projectors of " + group + " did not catch up within " + MEASURE_TIMEOUT);
                }
                Thread.sleep(20); // between two reads of the group's committed offsets
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long rows = db.queryLong("SELECT count(*) FROM org_credentials");
            if (rows != events.count()) {
                throw new IllegalStateException(group + " left " + rows + " SSOT rows for " + events.count() + " events");
            }
            return events.count() / seconds;
        } finally {
            services.forEach(ProjectorService::close);
        }
    }

    private ServiceContext context(String group) {
        ConfigSource source = ConfigSource.of(environment(group));
        return new ServiceContext(SsotConfig.from(source), source, stack.kafka(), db.settings(), new SimpleMeterRegistry(),
                new HealthRegistry(), Redactor.none());
    }

    private SsotConfig config(String group) {
        return SsotConfig.from(ConfigSource.of(environment(group)));
    }

    private Map<String, String> environment(String group) {
        Map<String, String> env = stack.environment(db, work);
        env.put("PROJECTOR_GROUP_ID", group);
        env.put(Topics.ENV_PREFIX + Topics.NUMBERS_PROVISIONED, TOPIC);
        return env;
    }
}

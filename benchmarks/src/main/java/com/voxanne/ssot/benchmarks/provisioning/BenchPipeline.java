package com.voxanne.ssot.benchmarks.provisioning;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.infra.TopicWatcher;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.reconciler.catchup.InputLag;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The assembled pipeline the provisioning and detection figures run against: {@link Pipeline} with the relay, the
 * projector and the reconciler on the bench stack (the provisioner is started per phase by the bench, with timed
 * provider clients), organisations inserted up front, and two outside observers: the org_credentials change
 * stream (commit times) and the violations topic (OPEN arrivals).
 */
public final class BenchPipeline implements AutoCloseable {
    public static final String RECONCILER_APPLICATION_ID = "bench-pipeline-reconciler";
    private static final String SLOT = "bench_pipeline";
    private static final long ORG_MSB = 0x0b0b_0000_0000_4000L;
    private static final long VARIANT = 0x8000_0000_0000_0000L;

    /** An OPEN violation as it arrived at an alert consumer. */
    public record OpenArrival(long arrivedMillis, SsotViolation violation) {
    }

    private final Closer closer = new Closer("bench pipeline");
    private final BenchDatabase db;
    private final ConfigSource source;
    private final Pipeline pipeline;
    private final Topics topics;
    private final List<String> orgIds;
    private final CommitObserver commits;
    private final TopicWatcher<String, SsotViolation> violations;
    private final Map<String, OpenArrival> opened = new ConcurrentHashMap<>();
    private final InputLag reconcilerLag;

    private BenchPipeline(BenchDatabase db, ConfigSource source, Pipeline pipeline, List<String> orgIds, BenchStack stack) {
        this.db = db;
        this.source = source;
        this.pipeline = pipeline;
        // the slot is dropped last, once the pipeline's relay has let go of it
        closer.onClose("drop the replication slot", () -> RelayService.dropSlot(db.settings(), SLOT));
        closer.register("close the pipeline", pipeline);
        this.orgIds = orgIds;
        this.topics = pipeline.context().config().topics();
        this.commits = closer.register("stop the commit observer",
                new CommitObserver(stack.kafka(), topics.cdcOrgCredentials().name()));
        this.violations = closer.register("stop the violations watcher", TopicWatcher.start(stack.kafka(), topics.violations().name(),
                new StringDeserializer(), topics.violations().valueSerde().deserializer(), (record, nanos, millis) -> {
                    if (record.value() != null && record.value().getState() == ViolationState.OPEN) {
                        opened.putIfAbsent(record.key(), new OpenArrival(millis, record.value()));
                    }
                }));
        this.reconcilerLag = new InputLag(stack.admin(), RECONCILER_APPLICATION_ID,
                List.of(topics.cdcManagedNumbers().name(), topics.cdcOrgCredentials().name()), Duration.ofSeconds(10));
    }

    public static BenchPipeline start(BenchStack stack, BenchSizes sizes, Path dataDir, PrintStream progress) throws Exception {
        BenchDatabase db = stack.newDatabase("bench_pipeline", 4);
        List<String> orgs = insertOrganisations(db, sizes.provisioningOrgs());
        Map<String, String> env = new HashMap<>(stack.environment(db, dataDir));
        env.put("SSOT_GRACE", sizes.grace().toMillis() + "ms");
        env.put("RECONCILER_APPLICATION_ID", RECONCILER_APPLICATION_ID);
        env.put("RELAY_SLOT_NAME", SLOT);
        env.put("PROJECTOR_GROUP_ID", "bench-pipeline-projector");
        ConfigSource source = ConfigSource.of(env);
        Pipeline.setup(source, line -> progress.println("  " + line)); // the bench's own database and topics
        Pipeline pipeline = Pipeline.start(source, new Pipeline.Options(
                EnumSet.of(Pipeline.Part.RELAY, Pipeline.Part.PROJECTOR, Pipeline.Part.RECONCILER), false, false, false),
                line -> progress.println("  " + line));
        try {
            if (!pipeline.awaitHealthy(Duration.ofSeconds(90))) {
                throw new IllegalStateException("the pipeline under test is not healthy: " + pipeline.health().snapshot());
            }
            return new BenchPipeline(db, source, pipeline, orgs, stack);
        } catch (Exception | Error e) {
            Closer.closeAfter(e, pipeline);
            throw e;
        }
    }

    private static List<String> insertOrganisations(BenchDatabase db, int count) throws SQLException {
        List<UUID> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(new UUID(ORG_MSB, VARIANT | i));
        }
        db.insertOrganisations(ids, "Bench clinic ", "clinic-");
        return ids.stream().map(UUID::toString).toList();
    }

    public BenchDatabase db() {
        return db;
    }

    public ConfigSource source() {
        return source;
    }

    public ServiceContext context() {
        return pipeline.context();
    }

    public Topics topics() {
        return topics;
    }

    public List<String> orgIds() {
        return orgIds;
    }

    public CommitObserver commits() {
        return commits;
    }

    public Map<String, OpenArrival> opened() {
        return opened;
    }

    /** Input records the reconciler has not committed yet. */
    public long reconcilerLag() throws InterruptedException {
        try {
            return reconcilerLag.measure();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the reconciler's input lag: " + e.getMessage(), e);
        }
    }

    /** Waits until the reconciler has processed everything on its inputs. */
    public void awaitReconcilerCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (reconcilerLag() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the reconciler did not catch up within " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    @Override
    public void close() {
        closer.close();
    }
}

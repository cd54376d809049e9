package com.voxanne.ssot.benchmarks.scale;

import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.backfill.Backfill;
import com.voxanne.ssot.projector.backfill.BackfillSummary;
import com.voxanne.ssot.projector.backfill.StartFrom;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * What the scale stage runs in a JVM of its own, so its memory is a process's RSS and not a share of the bench JVM's:
 * {@code reconciler} is {@code ./ssot run reconciler} (the same {@link Pipeline} with only that part, until SIGTERM),
 * {@code backfill} is {@code ./ssot backfill --from-beginning} (the same {@link Backfill}, then exit). Both take every
 * setting from the environment, as the CLI does; the CLI's own classes are not on the bench's class path (the CLI
 * depends on the bench), so this is the thinnest wrapper around the same service code.
 *
 * <p>Output, for {@link ChildJvm}: {@code STATUS_URL=...} once the reconciler is running; {@code BACKFILL records=...}
 * when the backfill is done, after a {@code MEMORY liveHeapMb=...} line (see {@link #memory()}). Exit 0 when the backfill dead-lettered nothing.
 */
public final class ChildService {
    static final String BACKFILL_DONE = "BACKFILL ";
    static final String MEMORY = "MEMORY ";
    private static final double MB = 1024.0 * 1024.0;

    private ChildService() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length == 1 ? args[0] : "";
        switch (what) {
            case "reconciler" -> reconciler();
            case "backfill" -> System.exit(backfill());
            default -> {
                System.err.println("usage: ChildService reconciler|backfill");
                System.exit(2);
            }
        }
    }

    private static void reconciler() throws Exception {
        Pipeline pipeline = Pipeline.start(ConfigSource.fromEnvironment(), Pipeline.Options.only(Pipeline.Part.RECONCILER),
                System.out::println);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pipeline.close();
            } finally {
                stopped.countDown();
            }
        }, "bench-child-shutdown"));
        System.out.println("STATUS_URL=" + pipeline.whereabouts().get("STATUS_URL"));
        System.out.flush();
        stopped.await();
    }

    /**
     * What the JVM holds once the backfill is done, to tell a backfill that keeps something per event (a live heap
     * that grows with the log) from a JVM that only committed more over a longer run: the live heap after a full
     * collection, the heap committed and the non-heap committed (metaspace, code cache).
     */
    static String memory() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage committedBefore = memory.getHeapMemoryUsage();
        System.gc();
        return String.format(Locale.ROOT, "%sliveHeapMb=%.1f heapCommittedMb=%.1f nonHeapCommittedMb=%.1f", MEMORY,
                memory.getHeapMemoryUsage().getUsed() / MB, committedBefore.getCommitted() / MB,
                memory.getNonHeapMemoryUsage().getCommitted() / MB);
    }

    private static int backfill() throws InterruptedException {
        ConfigSource source = ConfigSource.fromEnvironment();
        SsotConfig config = SsotConfig.from(source);
        DatabaseSettings database = new DatabaseSettings(config.databaseUrl().orElseThrow(), config.databaseUser(),
                config.databasePassword());
        KafkaClients kafka = new KafkaClients(config.kafkaBootstrapServers().orElseThrow(), config.kafkaClientProperties());
        ServiceContext context = new ServiceContext(config, source, kafka, database, Metrics.newRegistry(), new HealthRegistry(),
                config.redactor());
        try (HikariDataSource ds = database.pool("backfill-bench", 2)) {
            BackfillSummary s = Backfill.fromContext(context, ds).run(StartFrom.beginning(), false, p -> { });
            System.out.println(memory());
            System.out.printf(Locale.ROOT, "%srecords=%d inserted=%d updated=%d unchanged=%d deadLettered=%d elapsedMs=%d%n",
                    BACKFILL_DONE, s.records(), s.inserted(), s.updated(), s.unchanged(), s.deadLettered(), s.elapsed().toMillis());
            System.out.flush();
            return s.deadLettered() == 0 ? 0 : 1;
        }
    }
}

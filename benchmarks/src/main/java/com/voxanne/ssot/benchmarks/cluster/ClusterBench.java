package com.voxanne.ssot.benchmarks.cluster;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.reconciler.ReconcilerThroughputBench;
import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Section;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Figure 6: the reconciler on a real three-broker KRaft cluster (three broker JVMs, every topic replicated three times
 * with min.insync.replicas=2, Streams changelogs and repartitions too), with one instance and with two instances of
 * the same Streams application, in the same run, over the same synthetic CDC ({@link ReconcilerThroughputBench}).
 * Reported with the machine's core count: two instances on the same cores show that task assignment works and what
 * the second instance costs, not a doubling.
 */
public final class ClusterBench {
    public static final String NUMBER = "6";
    public static final int BROKERS = 3;

    private final BenchStack stack;
    private final BenchSizes sizes;
    private final Path work;
    private final PrintStream progress;
    private ReconcilerThroughputBench reconciler;

    public ClusterBench(BenchStack stack, BenchSizes sizes, Path work, PrintStream progress) {
        this.stack = stack;
        this.sizes = sizes;
        this.work = work;
        this.progress = progress;
    }

    public static Section section(int runs) {
        return new Section(NUMBER, "Three-broker cluster, one and two instances",
                "On a KRaft cluster of three broker JVMs (every node a controller voter; topics replicated 3 times with"
                        + " min.insync.replicas=2, the offsets and transaction logs and the Streams changelogs too), the real"
                        + " `ReconcilerService` consumes the same synthetic CDC as figure 3 from offset 0 to committed input lag 0,"
                        + " first as one instance, then as two instances of the same Streams application (each its own state"
                        + " directory; the 12 tasks are split between them), in the same run. The brokers, the instances and the"
                        + " load share this machine's cores, so two instances are not expected to double anything: the ratio shows"
                        + " what the second instance's share of the tasks costs or gains on these cores.", runs)
                .figure("reconciler1", "reconciler, one instance", "records/s")
                .figure("reconciler2", "reconciler, two instances (one application)", "records/s")
                .figure("reconcilerRatio", "two instances / one (same run)", Format.RATIO);
    }

    public void setUp(Section section) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        section.setting(String.format(Locale.ROOT, "%d broker JVMs on %d cores shared with the bench JVM (both instances run in it)"
                + " and PostgreSQL; %,d + %,d CDC changes, 6 partitions per topic", BROKERS, cores, sizes.cdcChanges(),
                sizes.cdcChanges()));
        // the service needs database settings in its context; it never connects
        BenchDatabase unused = stack.newDatabase("bench_cluster_reconciler", 2);
        reconciler = new ReconcilerThroughputBench(stack, sizes, work.resolve("streams"), unused.settings(), progress);
        reconciler.describe(section);
        reconciler.setUp();
        section.setting("backfill and provisioning with one and two instances: NOT MEASURED in this stage yet (the projector's"
                + " Backfill reads with assign() and no consumer group, so two of it cannot share the partitions)");
    }

    public void run(int run, Section section) throws Exception {
        double one = reconciler.reconcilerRate("cluster1.r" + run, 1);
        double two = reconciler.reconcilerRate("cluster2.r" + run, 2);
        section.put("reconciler1", run, one);
        section.put("reconciler2", run, two);
        section.put("reconcilerRatio", run, two / one);
        progress.printf(Locale.ROOT, "  run %d: reconciler one instance %,.0f records/s, two instances %,.0f records/s (%.2fx)%n",
                run + 1, one, two, two / one);
    }
}

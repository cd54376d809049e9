package com.voxanne.ssot.benchmarks.cluster;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchDatabase;
import com.voxanne.ssot.benchmarks.infra.BenchStack;
import com.voxanne.ssot.benchmarks.provisioning.BenchPipeline;
import com.voxanne.ssot.benchmarks.provisioning.ProvisioningBench;
import com.voxanne.ssot.benchmarks.reconciler.ReconcilerThroughputBench;
import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Section;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Figure 6: on a real three-broker KRaft cluster (three broker JVMs, every topic replicated three times with
 * min.insync.replicas=2, Streams changelogs and repartitions too), in the same run: the reconciler with one instance
 * and with two instances of the same Streams application over the same synthetic CDC ({@link ReconcilerThroughputBench}),
 * a replay of the event log into the SSOT by one and by two projectors of one consumer group ({@link ProjectorReplayBench}),
 * and provisioning of a backlog with one and with two provisioners in one consumer group through the assembled
 * pipeline ({@link ProvisioningBench} on a {@link BenchPipeline}).
 * Reported with the machine's core count: two instances on the same cores show that task assignment works and what
 * the second instance costs, not a doubling.
 */
public final class ClusterBench {
    public static final String NUMBER = "6";
    public static final int BROKERS = 3;

    private final BenchStack stack;
    private final BenchSizes sizes;
    private final Path work;
    private final boolean warmUp;
    private final PrintStream progress;
    private ReconcilerThroughputBench reconciler;
    private ProjectorReplayBench backfill;

    public ClusterBench(BenchStack stack, BenchSizes sizes, Path work, boolean warmUp, PrintStream progress) {
        this.stack = stack;
        this.warmUp = warmUp;
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
                        + " directory; the 12 tasks are split between them); then the event log is replayed into an empty SSOT"
                        + " by one and by two projectors of one consumer group (the 6 partitions split between them); then the assembled pipeline (relay, projector,"
                        + " reconciler) provisions a backlog of requests (zero-latency simulated providers) with one provisioner and"
                        + " with two in one consumer group, as figure 2's sustained throughput. All in the same run. The brokers, the instances and the"
                        + " load share this machine's cores, so two instances are not expected to double anything: the ratio shows"
                        + " what the second instance's share of the tasks costs or gains on these cores.", runs)
                .figure("reconciler1", "reconciler, one instance", "records/s")
                .figure("reconciler2", "reconciler, two instances (one application)", "records/s")
                .figure("reconcilerRatio", "two instances / one (same run)", Format.RATIO)
                .figure("backfill1", "backfill through the projector's group, one instance", "events/s")
                .figure("backfill2", "backfill through the projector's group, two instances", "events/s")
                .figure("backfillRatio", "two projectors / one (same run)", Format.RATIO)
                .figure("provisioning1", "provisions/s of a backlog, one provisioner", "provisions/s")
                .figure("provisioning2", "provisions/s of a backlog, two provisioners (one group)", "provisions/s")
                .figure("provisioningRatio", "two provisioners / one (same run)", Format.RATIO);
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
        section.setting(String.format(Locale.ROOT, "provisioning: a backlog of %,d requests over %,d organisations, PROVISIONER_WORKERS=%d"
                + " per provisioner, zero-latency simulated providers%s", sizes.backlogRequests(), sizes.provisioningOrgs(),
                sizes.fastWorkers(), warmUp ? "; one untimed warm-up phase first" : ""));
        backfill = new ProjectorReplayBench(stack, sizes, work.resolve("projector"), progress);
        section.setting(backfill.describe() + "; `./ssot backfill` itself reads every partition with assign() (no group), so"
                + " two of it would each replay everything: its parallelism is PROJECTOR_BACKFILL_WRITERS (figure 1)");
        backfill.setUp();
        section.setting("each pair is measured in alternating order (one instance first in odd runs, two first in even ones),"
                + " so that neither side always runs on a colder JVM");
    }

    /** The reconciler pair of one run: the same CDC by one and by two instances of one Streams application. */
    public void runReconciler(int run, Section section) throws Exception {
        measurePair(run, section, "reconciler", "records/s", reconciler::reconcilerRate);
    }

    /** The backfill pair of one run: a replay of the event log through the projector's group by one and two instances. */
    public void runBackfill(int run, Section section) throws Exception {
        measurePair(run, section, "backfill", "events/s", backfill::rate);
    }

    /** What one side of a pair measures: a rate with {@code instances} instances, under a label unique in the stack. */
    private interface InstancesRate {
        double measure(String label, int instances) throws Exception;
    }

    /**
     * One run of a pair: {@code rate} with one and with two instances, one instance first in even runs and two first in
     * odd ones (neither side always on a colder JVM); figures {@code id}1, {@code id}2 and {@code id}Ratio.
     */
    private void measurePair(int run, Section section, String id, String unit, InstancesRate rate) throws Exception {
        double one;
        double two;
        if (run % 2 == 0) {
            one = rate.measure(id + "-one-r" + run, 1);
            two = rate.measure(id + "-two-r" + run, 2);
        } else {
            two = rate.measure(id + "-two-r" + run, 2);
            one = rate.measure(id + "-one-r" + run, 1);
        }
        section.put(id + "1", run, one);
        section.put(id + "2", run, two);
        section.put(id + "Ratio", run, two / one);
        progress.printf(Locale.ROOT, "  run %d: %s one instance %,.0f %s, two instances %,.0f %s (%.2fx)%n", run + 1, id, one, unit,
                two, unit, two / one);
    }

    /** The provisioning pair of every run, on one assembled pipeline. */
    public void runProvisioning(int runs, Section section) throws Exception {
        try (BenchPipeline pipeline = BenchPipeline.start(stack, sizes, work.resolve("pipeline"), progress);
             ProvisioningBench bench = new ProvisioningBench(pipeline, sizes, progress)) {
            if (warmUp) {
                progress.println("  warming up (one untimed phase)");
                bench.warmUp();
            }
            for (int run = 0; run < runs; run++) {
                double one = bench.backlogRate("cluster1-r" + run, 1);
                double two = bench.backlogRate("cluster2-r" + run, 2);
                section.put("provisioning1", run, one);
                section.put("provisioning2", run, two);
                section.put("provisioningRatio", run, two / one);
                progress.printf(Locale.ROOT, "  run %d: provisioning one provisioner %,.0f/s, two provisioners %,.0f/s (%.2fx)%n",
                        run + 1, one, two, two / one);
            }
        }
    }
}

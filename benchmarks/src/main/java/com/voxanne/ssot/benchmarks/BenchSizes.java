package com.voxanne.ssot.benchmarks;

import java.time.Duration;
import java.util.List;

/**
 * Every size the suite uses, in one place: the sizes for the full suite, tiny ones for {@code --quick}.
 *
 * @param backfillEvents       NumberProvisioned events replayed (half new rows, half conflicts)
 * @param backfillOrgs         organisations those events belong to
 * @param naiveSample          events written one by one (upsert + commit each) for the naive baseline
 * @param ceilingBatchSizes    set-based batch sizes tried once before the runs; the best is the ceiling's
 * @param calibrationRows      rows per batch-size trial
 * @param provisioningOrgs     organisations requests are spread over (one org's requests run in order)
 * @param offeredLoads         requests/s offered to the pipeline, each for {@code loadDuration}
 * @param loadDuration         how long each offered load lasts
 * @param fastWorkers          PROVISIONER_WORKERS with zero-latency providers
 * @param backlogRequests      requests published at once to measure sustained throughput (zero latency)
 * @param slowLatency          simulated latency of every provider call for the slow-provider figure
 * @param slowRequests         requests published at once with slow providers
 * @param slowInstances        provisioner instances (same consumer group) with slow providers
 * @param slowWorkers          PROVISIONER_WORKERS of each of them
 * @param detectionSamples     SSOT rows deleted per run to time detection
 * @param grace                SSOT_GRACE of the pipeline under test
 * @param cdcChanges           changes per CDC topic for the reconciler's throughput (x2 topics)
 * @param cdcWarmUp            changes per topic of the untimed warm-up (0: none)
 * @param relayLatencySamples  single-row outbox commits timed to the topic
 * @param relayBacklogRows     outbox rows the relay drains for its rows/s
 * @param footprint            launch {@code ssot.jar up} (needs the built CLI)
 * @param clusterCdcChanges    changes per CDC topic for the reconciler's one- and two-instance throughput on the
 *                             three-broker cluster (x2 topics)
 * @param clusterRequests      requests published at once for the one- and two-provisioner throughput on that cluster
 * @param clusterBackfillEvents events replayed into the SSOT by one and by two projectors on that cluster
 * @param scale                the scale stage's sizes
 */
public record BenchSizes(int backfillEvents, int backfillOrgs, int naiveSample, List<Integer> ceilingBatchSizes,
                         int calibrationRows, int provisioningOrgs, List<Integer> offeredLoads, Duration loadDuration,
                         int fastWorkers, int backlogRequests, Duration slowLatency, int slowRequests, int slowInstances,
                         int slowWorkers, int detectionSamples, Duration grace, int cdcChanges, int cdcWarmUp,
                         int relayLatencySamples, int relayBacklogRows, boolean footprint, int clusterCdcChanges,
                         int clusterRequests, int clusterBackfillEvents, Scale scale) {

    /**
     * The scale stage (7).
     *
     * @param numbers        managed numbers imported, each with its SSOT row (so twice as many rows)
     * @param orgs           organisations they are spread over (numbers / orgs each)
     * @param importChunk    numbers per import transaction
     * @param checkSamples   organisations whose {@code ./ssot check} queries are timed
     * @param catchUpNumbers the first of the N numbers, imported while the relay and the reconciler run (the catch-up and
     *                       the reconciler's RSS with that many keys); the rest is imported with the relay stopped
     * @param backfillSmall  events of the smaller backfill whose RSS is the reference
     * @param backfillLarge  events of the larger backfill (its RSS should stay within 10% of the smaller's)
     */
    public record Scale(int numbers, int orgs, int importChunk, int checkSamples, int catchUpNumbers, int backfillSmall,
                        int backfillLarge) {
    }

    public BenchSizes {
        ceilingBatchSizes = List.copyOf(ceilingBatchSizes);
        offeredLoads = List.copyOf(offeredLoads);
    }

    /** These sizes with the cluster stage's CDC set (no warm-up) and request backlog as the reconciler's and provisioning's. */
    public BenchSizes forCluster() {
        return new BenchSizes(backfillEvents, backfillOrgs, naiveSample, ceilingBatchSizes, calibrationRows, provisioningOrgs,
                offeredLoads, loadDuration, fastWorkers, clusterRequests, slowLatency, slowRequests, slowInstances, slowWorkers,
                detectionSamples, grace, clusterCdcChanges, 0, relayLatencySamples, relayBacklogRows, footprint,
                clusterCdcChanges, clusterRequests, clusterBackfillEvents, scale);
    }

    /** These sizes with another scale stage (to try the stage at a size between --quick and the full one). */
    public BenchSizes withScale(Scale other) {
        return new BenchSizes(backfillEvents, backfillOrgs, naiveSample, ceilingBatchSizes, calibrationRows, provisioningOrgs,
                offeredLoads, loadDuration, fastWorkers, backlogRequests, slowLatency, slowRequests, slowInstances, slowWorkers,
                detectionSamples, grace, cdcChanges, cdcWarmUp, relayLatencySamples, relayBacklogRows, footprint,
                clusterCdcChanges, clusterRequests, clusterBackfillEvents, other);
    }

    public static BenchSizes full() {
        return new BenchSizes(1_000_000, 10_000, 20_000, List.of(1_000, 5_000, 10_000, 20_000), 100_000,
                5_000, List.of(100, 500), Duration.ofSeconds(10), 32, 5_000,
                Duration.ofSeconds(1), 1_200, 1, 160,
                60, Duration.ofSeconds(5), 1_000_000, 100_000,
                300, 100_000, true, 200_000, 2_000, 200_000,
                new Scale(10_000_000, 100_000, 100_000, 500, 1_000_000, 1_000_000, 10_000_000));
    }

    public static BenchSizes quick() {
        return new BenchSizes(4_000, 50, 400, List.of(2_000), 0,
                200, List.of(20, 50), Duration.ofSeconds(1), 8, 100,
                Duration.ofMillis(300), 30, 1, 32,
                5, Duration.ofSeconds(1), 3_000, 0,
                20, 1_000, false, 2_000, 30, 2_000,
                new Scale(4_000, 40, 1_000, 20, 1_000, 1_000, 4_000));
    }
}

package com.voxanne.ssot.benchmarks.reconciler;

import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.benchmarks.report.Target;

/** Figure 3's heading: detection latency ({@link DetectionBench}) and throughput ({@link ReconcilerThroughputBench}). */
public final class ReconcilerSection {
    public static final String NUMBER = "3";

    private ReconcilerSection() {
    }

    public static Section section(int runs) {
        return new Section(NUMBER, "Reconciler",
                "Detection: on the running pipeline, SSOT rows of compliant managed numbers are deleted and each delete's COMMIT is"
                        + " timed to the OPEN violation's arrival at an alert consumer of ssot.violations; the figure is that minus the"
                        + " grace period. Throughput: the real reconciler service over a synthetic CDC stream (N managed-number changes"
                        + " + N SSOT-row changes), against a bare KTable-KTable outer join of the same topics with the same Streams"
                        + " settings, in the same run (the reconciler's own join type: a full outer join since STALE_SSOT_ROW; until"
                        + " 2026-12 the bare join was a left join, which joins fewer results, so earlier ratios are not comparable).",
                runs)
                .figure("detectP50", "detection beyond the grace, p50", Format.MS)
                .figure("detectP99", "detection beyond the grace, p99", Format.MS, Target.atMost(500, Format.MS),
                        "The profile splits it into the relay + reconciler ingest (the relay's own exactly-once commit before"
                                + " the change is readable, read_committed), the wait for the wall-clock punctuation (up to one"
                                + " RECONCILER_PUNCTUATION_INTERVAL: grace/10 capped at 200 ms by default, it was 1 s, ~500 ms at"
                                + " this grace) and the exactly-once commit and delivery (a punctuation that published asks for a"
                                + " commit at once instead of waiting up to RECONCILER_COMMIT_INTERVAL). What remains is the ingest:"
                                + " the relay's commit cadence.")
                .figure("detectMax", "detection beyond the grace, max", Format.MS)
                .figure("reconcilerRate", "reconciler service throughput", "records/s")
                .figure("bareRate", "bare KTable-KTable outerJoin throughput", "records/s")
                .figure("vsBare", "reconciler / bare join (same run)", Format.RATIO, Target.atLeast(0.8, Format.RATIO),
                        "The reconciler parses each row's JSON once (streaming parser) and keeps its tables in a compact binary"
                                + " format (the bare join keeps strings and parses nothing); a compliant number costs no"
                                + " observations lookup (the non-compliant keys are also kept in memory, rebuilt from the store when a"
                                + " task starts). The rest is Kafka Streams itself: per-node metric sensors, the extra toTable and"
                                + " processor nodes, the record cache's flushes into the changelogs at each exactly-once commit, and"
                                + " the observations and due-index writes of numbers that are briefly non-compliant while the CDC of"
                                + " their two rows arrives. Reusing the CDC topics as the tables' changelogs (only once the dead-letter"
                                + " path cannot leave a malformed record in a restored store, KAFKA-8037) would close most of it.");
    }
}

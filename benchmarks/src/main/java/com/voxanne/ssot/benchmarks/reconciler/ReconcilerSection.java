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
                        + " + N SSOT-row changes), against a bare KTable-KTable left join of the same topics with the same Streams"
                        + " settings, in the same run.",
                runs)
                .figure("detectP50", "detection beyond the grace, p50", Format.MS)
                .figure("detectP99", "detection beyond the grace, p99", Format.MS, Target.atMost(1000, Format.MS),
                        "The profile splits it: the wait for the wall-clock punctuation (up to one RECONCILER_PUNCTUATION_INTERVAL,"
                                + " grace/10 capped at 1 s by default) and the exactly-once commit that holds the OPEN until its"
                                + " transaction commits (up to RECONCILER_COMMIT_INTERVAL) dominate. A fixed punctuation interval of"
                                + " 250 ms and a 100 ms commit interval bring the p99 well under a second at any grace.")
                .figure("detectMax", "detection beyond the grace, max", Format.MS)
                .figure("reconcilerRate", "reconciler service throughput", "records/s")
                .figure("bareRate", "bare KTable-KTable leftJoin throughput", "records/s")
                .figure("vsBare", "reconciler / bare join (same run)", Format.RATIO, Target.atLeast(0.7, Format.RATIO),
                        "The reconciler parses each row's JSON once (streaming parser) and keeps its tables in a compact binary"
                                + " format (the bare join keeps strings and parses nothing); a JFR profile of its stream thread shows"
                                + " the rest spread over Kafka Streams itself: per-node metric sensors, the record cache's flushes into"
                                + " the changelogs at each exactly-once commit, and for every joined result a read of the observations"
                                + " store (a RocksDB lookup, mostly a miss) plus the extra processor node. Skipping that lookup for"
                                + " compliant numbers (an in-memory index of the non-compliant keys, rebuilt from the store on"
                                + " restore) and reusing the CDC topics as the tables' changelogs (only once the dead-letter path"
                                + " cannot leave a malformed record in a restored store, KAFKA-8037) would close most of the gap.");
    }
}

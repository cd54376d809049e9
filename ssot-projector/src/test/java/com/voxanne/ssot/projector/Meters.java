package com.voxanne.ssot.projector;

import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.projector.consumer.ProjectorMetrics;
import io.micrometer.core.instrument.MeterRegistry;

/** Reads the projector's counters in tests. */
final class Meters {
    private Meters() {
    }

    static long rows(MeterRegistry registry, String result) {
        return (long) registry.get(ProjectorMetrics.ROWS).tag("result", result).counter().count();
    }

    static long deadLettered(MeterRegistry registry) {
        return (long) registry.get(ProjectorMetrics.DEAD_LETTERED).counter().count();
    }

    static long failures(MeterRegistry registry) {
        return (long) registry.get(Metrics.FAILURES).tag(Metrics.TAG_FAILURE_POINT, ProjectorMetrics.FAILURE_POINT)
                .tag(Metrics.TAG_SERVICE, ProjectorMetrics.SERVICE).counter().count();
    }

    static long retries(MeterRegistry registry) {
        return (long) registry.get(ProjectorMetrics.RETRIES).counter().count();
    }
}

package com.voxanne.ssot.projector.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ProjectorMetricsTest {

    @Test
    void theLagGaugeIsLabelledByConsumerAndLeavesWithItsInstance() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProjectorMetrics first = new ProjectorMetrics(registry, "projector-a");
        first.lag(42);
        assertThat(registry.get(ProjectorMetrics.LAG).tag("consumer", "projector-a").gauge().value()).isEqualTo(42.0);

        first.close();
        ProjectorMetrics second = new ProjectorMetrics(registry, "projector-a");
        assertThat(registry.get(ProjectorMetrics.LAG).tag("consumer", "projector-a").gauge().value()).isZero();
        second.lag(5);
        assertThat(registry.get(ProjectorMetrics.LAG).gauge().value()).isEqualTo(5.0);
    }

    @Test
    void aBackfillHasNoLagGauge() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProjectorMetrics.forBackfill(registry).close();
        assertThat(registry.find(ProjectorMetrics.LAG).gauge()).isNull();
    }
}

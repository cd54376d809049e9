package com.voxanne.ssot.provisioner.saga;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** A provisioner replaced in the same process (Pipeline.replace) must report its own gauges, not the stopped one's. */
class SagaMetricsTest {

    @Test
    void aLaterInstanceReportsItsOwnGaugesOnceTheFirstIsClosed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SagaMetrics first = new SagaMetrics(registry);
        first.stuckAfterPurchase(7);
        first.inFlight().set(3);
        assertThat(registry.get(SagaMetrics.STUCK).gauge().value()).isEqualTo(7.0);

        first.close();
        assertThat(registry.find(SagaMetrics.STUCK).gauge()).isNull();
        assertThat(registry.find(SagaMetrics.IN_FLIGHT).gauge()).isNull();

        SagaMetrics second = new SagaMetrics(registry);
        second.stuckAfterPurchase(1);
        assertThat(registry.get(SagaMetrics.STUCK).gauge().value()).isEqualTo(1.0);
        assertThat(registry.get(SagaMetrics.IN_FLIGHT).gauge().value()).isZero();
        first.stuckAfterPurchase(99); // the stopped instance's late housekeeping shows nowhere
        assertThat(registry.get(SagaMetrics.STUCK).gauge().value()).isEqualTo(1.0);
    }

    @Test
    void closingKeepsTheCumulativeCounters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SagaMetrics metrics = new SagaMetrics(registry);
        metrics.retry("purchase");
        metrics.close();
        assertThat(registry.get(SagaMetrics.RETRIES).tag("step", "purchase").counter().count()).isEqualTo(1.0);
    }
}

package com.voxanne.ssot.reconciler;

import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.reconciler.model.OpenViolation;
import com.voxanne.ssot.reconciler.topology.ViolationListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The reconciler's meters: violations opened / resolved / re-kinded (by kind), the detection delay
 * (end of grace to emission), whether alerts are held, and a gauge of OPEN violations read from the
 * state store.
 */
final class ReconcilerMetrics implements ViolationListener {
    static final String OPENED = "ssot.reconciler.violations.opened";
    static final String RESOLVED = "ssot.reconciler.violations.resolved";
    static final String KIND_CHANGED = "ssot.reconciler.violations.kind.changed";
    static final String OPEN = "ssot.reconciler.violations.open";
    static final String DETECTION_DELAY = "ssot.reconciler.detection.delay";
    static final String HOLDING = "ssot.reconciler.alerts.held";

    private final MeterRegistry registry;
    private final Timer detectionDelay;
    private final AtomicBoolean holding = new AtomicBoolean();

    ReconcilerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.detectionDelay = Timer.builder(DETECTION_DELAY)
                .description("Time from the end of a violation's grace period to its OPEN emission")
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(registry);
        Gauge.builder(HOLDING, holding, h -> h.get() ? 1 : 0)
                .description("1 while alerts are held because the inputs are not caught up")
                .register(registry);
    }

    /** The OPEN gauge; the supplier answers from the state store (and its last good value while unavailable). */
    void bindOpenGauge(LongSupplier openCount) {
        Gauge.builder(OPEN, () -> openCount.getAsLong())
                .description("Violations OPEN now")
                .register(registry);
    }

    Counter failures(String failurePoint) {
        return Metrics.failures(registry, ReconcilerService.NAME, failurePoint);
    }

    @Override
    public void opened(OpenViolation violation, Duration delay) {
        Counter.builder(OPENED).tag("kind", violation.kind().name()).register(registry).increment();
        detectionDelay.record(delay);
    }

    @Override
    public void kindChanged(OpenViolation violation) {
        Counter.builder(KIND_CHANGED).tag("kind", violation.kind().name()).register(registry).increment();
    }

    @Override
    public void resolved(OpenViolation violation, long resolvedAt) {
        Counter.builder(RESOLVED).tag("kind", violation.kind().name()).register(registry).increment();
    }

    @Override
    public void holding(boolean held) {
        holding.set(held);
    }
}

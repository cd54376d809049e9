package com.voxanne.ssot.reconciler;

import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.metrics.ConsumerLag;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.model.OpenViolation;
import com.voxanne.ssot.reconciler.query.ComplianceQueries.OpenSummary;
import com.voxanne.ssot.reconciler.topology.ViolationListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The reconciler's meters: violations opened / resolved / re-kinded (by kind), the detection delay (end of grace to
 * emission), the time to detect (the number's first non-compliant moment to its OPEN), whether alerts are held, the
 * OPEN violations by kind and the age of the oldest (read from the state store), dead letters, and the Kafka Streams
 * client's own metrics ({@link KafkaStreamsMetrics}) with its group's lag ({@link ConsumerLag}).
 *
 * <p>Gauges read this instance's state: {@link #close()} removes them, so an instance started later in the same
 * process (a replaced reconciler) registers its own instead of finding these.
 */
final class ReconcilerMetrics implements ViolationListener {
    static final String OPENED = "ssot.reconciler.violations.opened";
    static final String RESOLVED = "ssot.reconciler.violations.resolved";
    static final String KIND_CHANGED = "ssot.reconciler.violations.kind.changed";
    static final String OPEN = "ssot.reconciler.violations.open";
    static final String OLDEST_OPEN_AGE = "ssot.reconciler.violations.oldest.age";
    static final String DETECTION_DELAY = "ssot.reconciler.detection.delay";
    static final String TIME_TO_DETECT = "ssot.reconciler.time.to.detect";
    static final String HOLDING = "ssot.reconciler.alerts.held";

    private final MeterRegistry registry;
    private final Timer detectionDelay;
    private final Timer timeToDetect;
    private final AtomicBoolean holding = new AtomicBoolean();
    private final List<Meter> gauges = new ArrayList<>();

    ReconcilerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.detectionDelay = Timer.builder(DETECTION_DELAY)
                .description("Time from the end of a violation's grace period to its OPEN emission")
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(registry);
        this.timeToDetect = Timer.builder(TIME_TO_DETECT)
                .description("Time from a managed number's first non-compliant moment (missingSince) to its OPEN violation:"
                        + " the grace period plus the detection delay")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(500))
                .maximumExpectedValue(Duration.ofHours(2))
                .register(registry);
        // at 0 from the start for every kind, so that Prometheus sees the first of each as an increase
        for (Compliance kind : Compliance.values()) {
            if (kind.violation()) {
                counter(OPENED, kind);
                counter(RESOLVED, kind);
                counter(KIND_CHANGED, kind);
            }
        }
        gauges.add(Gauge.builder(HOLDING, holding, h -> h.get() ? 1 : 0)
                .description("1 while alerts are held because the inputs are not caught up")
                .register(registry));
    }

    /**
     * The OPEN gauges, one per violation kind, and the age of the oldest OPEN violation; {@code summary} answers from
     * the state store (and with its last good value while the store is unavailable).
     */
    synchronized void bindOpenGauges(Supplier<OpenSummary> summary) {
        for (Compliance kind : Compliance.values()) {
            if (!kind.violation()) {
                continue;
            }
            gauges.add(Gauge.builder(OPEN, summary, s -> s.get().count(kind))
                    .description("Violations OPEN now, by kind")
                    .tag("kind", kind.name())
                    .strongReference(true)
                    .register(registry));
        }
        gauges.add(TimeGauge.builder(OLDEST_OPEN_AGE, summary, TimeUnit.SECONDS,
                        s -> s.get().oldestAgeSeconds(System.currentTimeMillis()))
                .description("How long ago the oldest OPEN violation opened (0 when none is open)")
                .strongReference(true)
                .register(registry));
    }

    /**
     * Binds the Streams client's metrics (and its consumer group's lag) until the handle is closed; close it before the
     * client.
     */
    AutoCloseable bindStreams(KafkaStreams streams, String applicationId) {
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams);
        binder.bindTo(registry);
        // the stream threads' main consumers are the group's; restore and global consumers have no group
        AutoCloseable lag = ConsumerLag.track(registry, applicationId, streams::metrics,
                clientId -> clientId.endsWith("-consumer") && !clientId.endsWith("-restore-consumer")
                        && !clientId.endsWith("-global-consumer"));
        return () -> {
            try {
                lag.close();
            } finally {
                binder.close();
            }
        };
    }

    /** The dead-letter counters of these input topics, made at 0. */
    void expectDeadLetters(List<String> inputTopics) {
        inputTopics.forEach(topic -> Metrics.deadLetters(registry, ReconcilerService.NAME, DeadLetters.topicFor(topic)));
    }

    /** A record was parked on {@code deadLetterTopic}. */
    void deadLettered(String deadLetterTopic) {
        Metrics.deadLetters(registry, ReconcilerService.NAME, deadLetterTopic).increment();
    }

    Counter failures(String failurePoint) {
        return Metrics.failures(registry, ReconcilerService.NAME, failurePoint);
    }

    @Override
    public void opened(OpenViolation violation, Duration delay) {
        counter(OPENED, violation.kind()).increment();
        detectionDelay.record(delay);
        timeToDetect.record(Duration.ofMillis(Math.max(0, violation.openedAt() - violation.missingSince())));
    }

    @Override
    public void kindChanged(OpenViolation violation) {
        counter(KIND_CHANGED, violation.kind()).increment();
    }

    @Override
    public void resolved(OpenViolation violation, long resolvedAt) {
        counter(RESOLVED, violation.kind()).increment();
    }

    private Counter counter(String name, Compliance kind) {
        return Counter.builder(name).tag("kind", kind.name()).register(registry);
    }

    @Override
    public void holding(boolean held) {
        holding.set(held);
    }

    /** Removes the gauges (counters and timers stay: they are cumulative for the process). */
    synchronized void close() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }
}

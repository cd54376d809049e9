package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The provisioner's meters: outcomes by status and failures by failurePoint (the shared {@value Metrics#FAILURES}),
 * latency per step, retries per step, sagas stuck after a purchase, sagas in flight and what the inbox did.
 *
 * <p>The gauges read this instance's state, so {@link #close()} removes them: an instance started later in the same
 * process (a replaced provisioner) registers its own instead of finding the old ones, which would report the stopped
 * instance's last values (Micrometer hands back an existing meter with the same id).
 */
public final class SagaMetrics {
    public static final String SERVICE = "provisioner";
    public static final String OUTCOMES = "ssot.provisioner.outcomes";
    public static final String STEP_LATENCY = "ssot.provisioner.step";
    public static final String RETRIES = "ssot.provisioner.retries";
    public static final String STUCK = "ssot.provisioner.stuck.after.purchase";
    public static final String IN_FLIGHT = "ssot.provisioner.in.flight";
    public static final String INBOX = "ssot.provisioner.inbox.records";
    /** Claim transactions of the dispatcher that leased at least one saga, and the sagas they leased. */
    public static final String CLAIMS = "ssot.provisioner.claims";
    public static final String CLAIMED = "ssot.provisioner.claimed.sagas";

    /** The step histogram's buckets (upper bounds). */
    static final Duration[] STEP_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(120)};

    private final MeterRegistry registry;
    private final AtomicLong stuckAfterPurchase = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final List<Meter> gauges = new ArrayList<>();

    public SagaMetrics(MeterRegistry registry) {
        this.registry = registry;
        gauges.add(Gauge.builder(STUCK, stuckAfterPurchase, AtomicLong::get)
                .description("STUCK sagas: holding (or maybe holding) a paid number, unfinished and unchanged for longer than"
                        + " PROVISIONER_STUCK_AFTER (NUMBER_CHOSEN after an attempt, PURCHASED, IMPORTED, COMPENSATING)")
                .register(registry));
        gauges.add(Gauge.builder(IN_FLIGHT, inFlight, AtomicInteger::get).description("Sagas being driven by this instance now")
                .register(registry));
        // at 0 from the start, so that Prometheus sees a first failure at any point as an increase
        for (FailurePoint point : FailurePoint.values()) {
            Metrics.failures(registry, SERVICE, point.name());
        }
    }

    /** A saga reached its final status (counted once, by the instance that made the transition). */
    public void outcome(ProvisioningStatus status, FailurePoint failurePoint) {
        Counter.builder(OUTCOMES).description("Provisioning outcomes by status").tag("status", status.name()).register(registry).increment();
        if (failurePoint != null) {
            Metrics.failures(registry, SERVICE, failurePoint.name()).increment();
        }
    }

    /**
     * A histogram (for {@code histogram_quantile} by step over every instance) on fixed buckets from 10 ms to 2 min:
     * 14 series per step and outcome, where Micrometer's percentile histogram would publish 68 over the same range.
     */
    public Timer stepTimer(String step, String outcome) {
        return Timer.builder(STEP_LATENCY).description("Latency of saga steps (provider calls and the final write)")
                .tag("step", step).tag("outcome", outcome)
                .serviceLevelObjectives(STEP_BUCKETS)
                .register(registry);
    }

    public void retry(String step) {
        Counter.builder(RETRIES).description("Saga steps handed back for a retry with backoff").tag("step", step).register(registry).increment();
    }

    public void inbox(String outcome, int count) {
        if (count > 0) {
            Counter.builder(INBOX).description("Records the inbox handled, by outcome").tag("outcome", outcome).register(registry).increment(count);
        }
    }

    /** One claim transaction that leased {@code sagas} (>= 1) sagas. */
    public void claimed(int sagas) {
        if (sagas > 0) {
            Counter.builder(CLAIMS).description("Claim transactions that leased at least one saga").register(registry).increment();
            Counter.builder(CLAIMED).description("Sagas leased by claim transactions").register(registry).increment(sagas);
        }
    }

    public void stuckAfterPurchase(long count) {
        stuckAfterPurchase.set(count);
    }

    public AtomicInteger inFlight() {
        return inFlight;
    }

    /** Removes the gauges (counters and timers stay: they are cumulative for the process). */
    public synchronized void close() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }
}

package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.projector.store.UpsertCounts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The projector's meters: consumer lag, batch size, upsert latency, rows inserted/updated/unchanged,
 * dead-lettered records, retries, and failures under failurePoint SSOT_WRITE.
 *
 * <p>The lag gauge reads this instance, so {@link #close()} removes it (a projector started later in the same process
 * registers its own). Its label is {@code consumer}, not {@code instance}: Prometheus owns {@code instance} (the scrape
 * target) and would rename ours to {@code exported_instance}.
 */
public final class ProjectorMetrics {
    public static final String SERVICE = "ssot-projector";
    public static final String FAILURE_POINT = "SSOT_WRITE";
    public static final String ROWS = "ssot.projector.rows";
    public static final String DEAD_LETTERED = "ssot.projector.dead.lettered";
    public static final String BATCH_SIZE = "ssot.projector.batch.size";
    public static final String UPSERT_LATENCY = "ssot.projector.upsert.latency";
    public static final String RETRIES = "ssot.projector.write.retries";
    public static final String LAG = "ssot.projector.consumer.lag.records";

    private final Counter inserted;
    private final Counter updated;
    private final Counter unchanged;
    private final Counter deadLettered;
    private final Counter failures;
    private final Counter retries;
    private final DistributionSummary batchSize;
    private final Timer upsertLatency;
    private final AtomicLong lag = new AtomicLong();
    private final MeterRegistry registry;
    private final Gauge lagGauge;

    /** The live projector's meters. @param consumer tag value that keeps the lag gauges of several consumers in one process apart */
    public ProjectorMetrics(MeterRegistry registry, String consumer) {
        this(registry, Optional.of(consumer));
    }

    /** A backfill's meters: the same counters, no lag gauge (a replay's progress is its own report). */
    public static ProjectorMetrics forBackfill(MeterRegistry registry) {
        return new ProjectorMetrics(registry, Optional.empty());
    }

    private ProjectorMetrics(MeterRegistry registry, Optional<String> consumer) {
        this.registry = registry;
        inserted = rows(registry, "inserted");
        updated = rows(registry, "updated");
        unchanged = rows(registry, "unchanged");
        deadLettered = Counter.builder(DEAD_LETTERED).description("Records parked on the dead-letter topic")
                .register(registry);
        failures = Metrics.failures(registry, SERVICE, FAILURE_POINT);
        retries = Counter.builder(RETRIES).description("Failed attempts to write a batch, each retried with backoff")
                .register(registry);
        batchSize = DistributionSummary.builder(BATCH_SIZE).description("Records per poll batch").baseUnit("records")
                .register(registry);
        upsertLatency = Timer.builder(UPSERT_LATENCY).description("One batch's SSOT transaction, begin to commit")
                .register(registry);
        lagGauge = consumer.map(c -> Gauge.builder(LAG, lag, AtomicLong::get)
                .description("Records behind the end of the assigned partitions").tag("consumer", c).register(registry)).orElse(null);
    }

    private static Counter rows(MeterRegistry registry, String result) {
        return Counter.builder(ROWS).description("org_credentials rows by what the write did")
                .tag("result", result).register(registry);
    }

    void written(UpsertCounts counts, int records, Duration latency) {
        inserted.increment(counts.inserted());
        updated.increment(counts.updated());
        unchanged.increment(counts.unchanged());
        batchSize.record(records);
        upsertLatency.record(latency);
    }

    void deadLettered() {
        deadLettered.increment();
        failures.increment();
    }

    /** A batch write failed for a reason the database or broker owns (first failure of an episode). */
    void writeFailing() {
        failures.increment();
    }

    void retried() {
        retries.increment();
    }

    void lag(long records) {
        lag.set(records);
    }

    public long lag() {
        return lag.get();
    }

    /** Removes the lag gauge (the counters stay: they are cumulative for the process). */
    public void close() {
        if (lagGauge != null) {
            registry.remove(lagGauge);
        }
    }
}

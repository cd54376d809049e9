package com.voxanne.ssot.relay.metrics;

import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The relay's meters, so an operator can tell whether the WAL is being drained:
 * <ul>
 *   <li>{@value #RECORDS} (counter, tag {@code table}): records acknowledged by Kafka;</li>
 *   <li>{@value #SLOT_LAG} (gauge, tag {@code slot}): bytes of WAL the slot still holds
 *       ({@code pg_current_wal_lsn() - confirmed_flush_lsn}), -1 until first sampled or when the slot
 *       is missing;</li>
 *   <li>{@value #OLDEST_AGE} (time gauge, tag {@code slot}): age (now minus its commit time in Postgres)
 *       of the oldest change the relay holds but Kafka has not acknowledged, 0 when idle. Changes not yet
 *       read from the WAL are not in it: the slot lag covers those;</li>
 *   <li>{@value #CONNECTED} (gauge, tag {@code slot}): 1 while the CDC engine runs and the slot streams to it, else 0;</li>
 *   <li>{@code ssot.failures{service=relay}} by failure point (platform's shared counter);</li>
 *   <li>{@code ssot.dlq.records{service=relay, topic}}: changes parked on a dead-letter topic, counted once Kafka has
 *       them (made at 0 for the dead-letter topic of each routed topic).</li>
 * </ul>
 */
public final class RelayMetrics {
    public static final String RECORDS = "ssot.relay.records";
    public static final String SLOT_LAG = "ssot.relay.slot.lag.bytes";
    public static final String OLDEST_AGE = "ssot.relay.oldest.unrelayed.age";
    public static final String CONNECTED = "ssot.relay.connected";
    public static final String SERVICE = "relay";
    /** Failure point: Kafka did not acknowledge a batch. */
    public static final String FAILURE_KAFKA_WRITE = "KAFKA_WRITE";
    /** Failure point: the engine stopped (database, offsets, connector). */
    public static final String FAILURE_ENGINE = "CDC_ENGINE";
    /** A change the relay could not route, parked on its dead-letter topic. */
    public static final String FAILURE_UNROUTABLE = "RELAY_UNROUTABLE";

    private final MeterRegistry registry;
    private final String slotName;
    private final Map<String, Counter> records = new ConcurrentHashMap<>();
    private final List<Meter> gauges = new ArrayList<>();

    public RelayMetrics(MeterRegistry registry, String slotName, LongSupplier slotLagBytes, InFlight inFlight) {
        this.registry = registry;
        this.slotName = slotName;
        gauges.add(Gauge.builder(SLOT_LAG, slotLagBytes::getAsLong)
                .description("WAL bytes the relay's replication slot retains (current WAL LSN minus confirmed_flush_lsn)")
                .baseUnit("bytes")
                .tag("slot", slotName)
                .strongReference(true)
                .register(registry));
        gauges.add(TimeGauge.builder(OLDEST_AGE, inFlight, TimeUnit.MILLISECONDS, InFlight::oldestUnrelayedAgeMillis)
                .description("Age of the oldest change the relay holds but Kafka has not acknowledged (0 when idle)")
                .tag("slot", slotName)
                .strongReference(true)
                .register(registry));
    }

    /** {@value #CONNECTED}: 1 while {@code connected} says so. */
    public synchronized void bindConnected(BooleanSupplier connected) {
        gauges.add(Gauge.builder(CONNECTED, connected, c -> c.getAsBoolean() ? 1 : 0)
                .description("1 while the relay's CDC engine runs and its replication slot streams, else 0")
                .tag("slot", slotName)
                .strongReference(true)
                .register(registry));
    }

    /** Makes the dead-letter counters of these routed topics, at 0 (a first dead letter is then an increase). */
    public void expectDeadLetters(String... routedTopics) {
        for (String topic : routedTopics) {
            Metrics.deadLetters(registry, SERVICE, DeadLetters.topicFor(topic));
        }
    }

    /** A parked change reached its dead-letter topic. */
    public void deadLettered(String deadLetterTopic) {
        Metrics.deadLetters(registry, SERVICE, deadLetterTopic).increment();
    }

    /**
     * Removes the gauges (they read this relay's state): a relay built later in the same process, on the
     * same slot, registers its own. Counters stay; they are cumulative for the process.
     */
    public synchronized void close() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }

    /** {@code count} changes of {@code table} were acknowledged by Kafka. */
    public void relayed(String table, int count) {
        records.computeIfAbsent(table, t -> Counter.builder(RECORDS)
                .description("Changes relayed to Kafka and acknowledged, by source table")
                .tag("table", t)
                .register(registry)).increment(count);
    }

    public void failed(String failurePoint) {
        Metrics.failures(registry, SERVICE, failurePoint).increment();
    }
}

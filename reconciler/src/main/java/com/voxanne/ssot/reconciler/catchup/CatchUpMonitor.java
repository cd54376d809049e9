package com.voxanne.ssot.reconciler.catchup;

import com.voxanne.ssot.reconciler.topology.CatchUpGate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link CatchUpGate}: open only while the Streams client is RUNNING and its consumer
 * group's lag on the input topics is at most a small threshold. A background thread measures the lag
 * (Admin calls never run on the stream thread); any state change closes the gate at once, and a
 * measurement started before a state change cannot reopen it. If the lag cannot be measured (Kafka
 * unreachable) the gate stays closed: holding an alert is better than a false one, and the
 * non-compliant-since times keep being recorded.
 */
public final class CatchUpMonitor implements CatchUpGate, AutoCloseable {
    /** How the lag is measured; {@link InputLag#measure()} in production. */
    @FunctionalInterface
    public interface LagProbe {
        long measure() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(CatchUpMonitor.class);

    private final LagProbe probe;
    private final long maxLag;
    private final Duration refresh;
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean running;
    private volatile boolean caughtUp;
    private volatile long lastLag = -1;
    private volatile Instant closedSince = Instant.now();
    private volatile String lastError;
    private ScheduledExecutorService scheduler;

    public CatchUpMonitor(LagProbe probe, long maxLag, Duration refresh) {
        if (maxLag < 0) {
            throw new IllegalArgumentException("max catch-up lag must be >= 0, was " + maxLag);
        }
        this.probe = probe;
        this.maxLag = maxLag;
        this.refresh = refresh;
    }

    @Override
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Wire to {@link KafkaStreams#setStateListener}: anything but RUNNING closes the gate at once. */
    public void onStateChange(KafkaStreams.State newState) {
        generation.incrementAndGet();
        running = newState == KafkaStreams.State.RUNNING;
        if (!running) {
            hold("state " + newState);
        }
    }

    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "reconciler-catch-up");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::refresh, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One measurement; public so that tests can drive the monitor without its thread. */
    public void refresh() {
        long seenGeneration = generation.get();
        if (!running) {
            hold("not running");
            return;
        }
        long lag;
        try {
            lag = probe.measure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            String error = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (lastError == null) {
                log.warn("Cannot measure the reconciler's input lag; alerts are held until it can be measured", e);
            }
            lastError = error;
            hold("lag unknown");
            return;
        }
        if (lastError != null) {
            log.info("Reconciler input lag measurable again ({} records)", lag);
            lastError = null;
        }
        lastLag = lag;
        if (generation.get() != seenGeneration) {
            return; // the state changed while measuring: this answer may be about the old assignment
        }
        if (lag <= maxLag) {
            if (!caughtUp) {
                log.info("Reconciler inputs caught up (lag {} <= {})", lag, maxLag);
                caughtUp = true;
            }
        } else {
            hold("lag " + lag + " > " + maxLag);
        }
    }

    private void hold(String why) {
        if (caughtUp) {
            log.info("Reconciler holds alerts until its inputs catch up: {}", why);
            caughtUp = false;
            closedSince = Instant.now();
        }
    }

    /** The last measured lag in records, -1 before the first measurement. */
    public long lastLag() {
        return lastLag;
    }

    /** Since when alerts are held; empty while the gate is open. */
    public Optional<Instant> holdingSince() {
        return caughtUp ? Optional.empty() : Optional.of(closedSince);
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                    log.warn("Reconciler catch-up monitor did not stop within 5s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
        }
    }
}

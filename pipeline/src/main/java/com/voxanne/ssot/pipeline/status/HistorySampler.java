package com.voxanne.ssot.pipeline.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the status page's charts on a fixed interval into a bounded {@link HistoryRing} (one window's worth, e.g.
 * 15 s for 60 min = 240 samples), so that {@code GET /api/history} reads memory and a page refreshing every second
 * never recomputes an hour of history. A probe that fails (its component is down, the database is unreachable) leaves
 * a gap in its chart for that sample; the other charts and the next samples are unaffected.
 */
public final class HistorySampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HistorySampler.class);

    /** One chart's source: its series' values now; {@code since} is the previous sample's time (for per-interval counts). */
    @FunctionalInterface
    public interface Probe {
        Map<String, Double> sample(Instant since, Instant now) throws Exception;
    }

    private final Duration interval;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Probe> probes;
    private final HistoryRing ring;
    private final Map<String, String> lastFailure = new LinkedHashMap<>();
    private ScheduledExecutorService scheduler;
    private Instant previous;

    /** @param probes chart name -> its probe, in the order the page shows them */
    public HistorySampler(Duration interval, Duration window, Clock clock, Map<String, Probe> probes) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("sample interval must be > 0, was " + interval);
        }
        if (window.compareTo(interval) < 0) {
            throw new IllegalArgumentException("history window must be >= the sample interval, was " + window + " < " + interval);
        }
        this.interval = interval;
        this.window = window;
        this.clock = clock;
        this.probes = new LinkedHashMap<>(probes);
        this.ring = new HistoryRing((int) Math.max(1, window.toMillis() / interval.toMillis()));
    }

    /** Takes a first sample now, then one every interval, on a daemon thread of its own. Once. */
    public synchronized void start() {
        if (scheduler != null) {
            throw new IllegalStateException("history sampler already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "status-history-sampler");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleAtFixedRate(this::sampleSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sampleSafely() {
        try {
            sampleNow();
        } catch (RuntimeException e) {
            // never let one bad sample cancel the schedule (a thrown exception would stop every later run)
            LOG.warn("status history sample failed: {}", e.toString());
        }
    }

    /** Takes one sample now (the schedule calls this; tests may too). */
    public void sampleNow() {
        Instant now = clock.instant();
        Instant since;
        synchronized (this) {
            since = previous == null ? now.minus(interval) : previous;
            previous = now;
        }
        Map<String, Map<String, Double>> charts = new LinkedHashMap<>();
        for (Map.Entry<String, Probe> probe : probes.entrySet()) {
            try {
                charts.put(probe.getKey(), probe.getValue().sample(since, now));
                forget(probe.getKey());
            } catch (Exception e) {
                remember(probe.getKey(), e);
            }
        }
        ring.add(new HistoryRing.Sample(now, charts));
    }

    /** Logs a probe's failure once per change of message, not every interval while a component stays down. */
    private synchronized void remember(String chart, Exception e) {
        String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (!message.equals(lastFailure.put(chart, message))) {
            LOG.info("status history: no '{}' sample ({}); a gap in that chart until it answers", chart, message);
        }
    }

    private synchronized void forget(String chart) {
        lastFailure.remove(chart);
    }

    /** What {@code GET /api/history} serves. */
    public Map<String, Object> snapshot() {
        HistoryRing.Columns columns = ring.columns(List.copyOf(probes.keySet()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("intervalSeconds", interval.toMillis() / 1000.0);
        out.put("windowSeconds", window.toSeconds());
        out.put("times", columns.times().stream().map(Instant::toString).toList());
        out.put("charts", columns.charts());
        return out;
    }

    public Duration interval() {
        return interval;
    }

    /** Samples kept at most: the window divided by the interval. */
    public int capacity() {
        return ring.capacity();
    }

    public int size() {
        return ring.size();
    }

    /** Stops the schedule and waits for a sample in progress (its probes are bounded by their own timeouts). */
    @Override
    public synchronized void close() throws InterruptedException {
        if (scheduler == null) {
            return;
        }
        scheduler.shutdownNow();
        if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warn("status history sampler still running 10 s after close");
        }
    }
}

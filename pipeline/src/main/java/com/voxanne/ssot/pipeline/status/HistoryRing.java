package com.voxanne.ssot.pipeline.status;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The last {@code capacity} samples of the status page's charts, oldest first; the oldest is dropped when a new one
 * arrives at capacity, so memory stays bounded however long the pipeline runs. A chart missing from a sample (its
 * probe failed: a component down) is a gap in that chart, not a zero.
 */
public final class HistoryRing {
    /** One sample: per chart, per series, a value (in the probes' order: the page draws and lists them so). */
    public record Sample(Instant at, Map<String, Map<String, Double>> charts) {
        public Sample {
            Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
            charts.forEach((chart, series) -> copy.put(chart, Collections.unmodifiableMap(new LinkedHashMap<>(series))));
            charts = Collections.unmodifiableMap(copy);
        }
    }

    private final int capacity;
    private final Deque<Sample> samples;

    public HistoryRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.samples = new ArrayDeque<>(capacity);
    }

    public synchronized void add(Sample sample) {
        if (samples.size() == capacity) {
            samples.removeFirst();
        }
        samples.addLast(sample);
    }

    public synchronized int size() {
        return samples.size();
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Column form, as {@code GET /api/history} serves it: the sample times, and per chart and series one value per
     * time, {@code null} where the chart had no value then (a gap, or a series that did not exist yet).
     */
    public synchronized Columns columns(List<String> chartNames) {
        List<Instant> times = new ArrayList<>(samples.size());
        Map<String, Map<String, List<Double>>> charts = new LinkedHashMap<>();
        for (String chart : chartNames) {
            Set<String> series = new LinkedHashSet<>();
            samples.forEach(s -> series.addAll(s.charts().getOrDefault(chart, Map.of()).keySet()));
            Map<String, List<Double>> columns = new LinkedHashMap<>();
            for (String name : series) {
                List<Double> values = new ArrayList<>(samples.size());
                samples.forEach(s -> values.add(s.charts().getOrDefault(chart, Map.of()).get(name)));
                columns.put(name, values);
            }
            charts.put(chart, columns);
        }
        samples.forEach(s -> times.add(s.at()));
        return new Columns(times, charts);
    }

    /** The samples in column form: {@code charts.get(chart).get(series).get(i)} was sampled at {@code times.get(i)}. */
    public record Columns(List<Instant> times, Map<String, Map<String, List<Double>>> charts) {
    }
}

package com.voxanne.ssot.benchmarks.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Order statistics of a sample (latencies of one run, or one figure's per-run values). Percentiles interpolate
 * linearly between the closest ranks, so the p99 of 100 samples lies between the 99th and the 100th.
 */
public final class Stats {
    private final List<Double> sorted;

    private Stats(List<Double> sorted) {
        this.sorted = sorted;
    }

    public static Stats of(Collection<? extends Number> values) {
        List<Double> copy = new ArrayList<>(values.size());
        for (Number n : values) {
            if (n != null && !Double.isNaN(n.doubleValue())) {
                copy.add(n.doubleValue());
            }
        }
        Collections.sort(copy);
        return new Stats(copy);
    }

    public int count() {
        return sorted.size();
    }

    public boolean isEmpty() {
        return sorted.isEmpty();
    }

    /** @param p in [0, 100]; NaN when there is no sample */
    public double percentile(double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        double rank = p / 100.0 * (sorted.size() - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        double fraction = rank - lo;
        return sorted.get(lo) + (sorted.get(hi) - sorted.get(lo)) * fraction;
    }

    public double median() {
        return percentile(50);
    }

    public double min() {
        return sorted.isEmpty() ? Double.NaN : sorted.get(0);
    }

    public double max() {
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1);
    }

    public double mean() {
        return sorted.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    public double sum() {
        return sorted.stream().mapToDouble(Double::doubleValue).sum();
    }
}

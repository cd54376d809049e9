package com.voxanne.ssot.benchmarks.report;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One measured figure: its value in each run (a ratio is computed inside each run from figures of that same run,
 * never across runs), the median and min-max over the runs, and the target it is held to, if any.
 *
 * @param id     stable identifier (JSON key)
 * @param label  what it is, as a reader says it
 * @param unit   see {@link Format}
 * @param runs   one value per run, in run order (NaN where a run could not measure it)
 * @param target the bar, if the issue sets one
 * @param remedy what would close the gap, printed only when the target is missed
 */
public record Figure(String id, String label, String unit, List<Double> runs, Optional<Target> target, String remedy) {

    public Figure {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(unit, "unit");
        runs = List.copyOf(runs);
        Objects.requireNonNull(target, "target");
        remedy = remedy == null ? "" : remedy;
    }

    public double median() {
        return Stats.of(runs).median();
    }

    public double min() {
        return Stats.of(runs).min();
    }

    public double max() {
        return Stats.of(runs).max();
    }

    /** Empty when the figure has no target, or was not measured (no run produced a value). */
    public Optional<Boolean> met() {
        double median = median();
        return Double.isNaN(median) ? Optional.empty() : target.map(t -> t.metBy(median));
    }

    public boolean missed() {
        return met().map(m -> !m).orElse(false);
    }
}

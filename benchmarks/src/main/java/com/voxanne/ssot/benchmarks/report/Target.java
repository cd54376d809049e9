package com.voxanne.ssot.benchmarks.report;

import java.util.Locale;
import java.util.Objects;

/**
 * What a figure must reach, judged on its median over the runs (min-max is shown next to it, so a target met by
 * the median but not by every run is visible).
 */
public record Target(Direction direction, double threshold, String unit) {

    public enum Direction { AT_LEAST, AT_MOST }

    public Target {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(unit, "unit");
    }

    public static Target atLeast(double threshold, String unit) {
        return new Target(Direction.AT_LEAST, threshold, unit);
    }

    public static Target atMost(double threshold, String unit) {
        return new Target(Direction.AT_MOST, threshold, unit);
    }

    /** False for NaN (nothing measured): a figure that was not measured does not meet its target. */
    public boolean metBy(double value) {
        if (Double.isNaN(value)) {
            return false;
        }
        return direction == Direction.AT_LEAST ? value >= threshold : value <= threshold;
    }

    public String describe() {
        return (direction == Direction.AT_LEAST ? ">= " : "<= ") + Format.value(threshold, unit);
    }

    @Override
    public String toString() {
        return describe().toLowerCase(Locale.ROOT);
    }
}

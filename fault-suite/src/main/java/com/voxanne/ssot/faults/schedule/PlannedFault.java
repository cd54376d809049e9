package com.voxanne.ssot.faults.schedule;

import com.voxanne.ssot.faults.inject.MalformedKind;
import java.util.Objects;
import java.util.Optional;

/**
 * One fault of a schedule, in injection order.
 *
 * @param index   its position in the schedule (0-based)
 * @param kind    what to inject
 * @param variant for malformed input: which shape of bad input; null otherwise
 * @param salt    the fault's own random number (victims, durations), drawn from the schedule's seed
 */
public record PlannedFault(int index, FaultKind kind, MalformedKind variant, long salt) {
    public PlannedFault {
        Objects.requireNonNull(kind, "kind");
        if ((kind.category() == FaultKind.Category.MALFORMED_INPUT) != (variant != null)) {
            throw new IllegalArgumentException("a variant is required for malformed input and only for it: " + kind + "/" + variant);
        }
    }

    public Optional<MalformedKind> malformed() {
        return Optional.ofNullable(variant);
    }

    @Override
    public String toString() {
        return "#" + index + " " + kind + (variant == null ? "" : "(" + variant + ")");
    }
}

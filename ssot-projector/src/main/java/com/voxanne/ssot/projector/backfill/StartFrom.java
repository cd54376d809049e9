package com.voxanne.ssot.projector.backfill;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Where a replay starts: the beginning of the event log, or the first event at or after a timestamp. */
public record StartFrom(Optional<Instant> since) {
    public StartFrom {
        Objects.requireNonNull(since, "since");
    }

    public static StartFrom beginning() {
        return new StartFrom(Optional.empty());
    }

    /** Uses the broker's record timestamps (offsetsForTimes). */
    public static StartFrom timestamp(Instant since) {
        return new StartFrom(Optional.of(since));
    }

    @Override
    public String toString() {
        return since.map(ts -> "since " + ts).orElse("from the beginning");
    }
}

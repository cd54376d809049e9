package com.voxanne.ssot.projector.backfill;

import java.time.Duration;
import java.util.Optional;

/**
 * How far a replay is, for a progress bar.
 *
 * @param done          records read so far (of those present when the replay started)
 * @param total         records to read: from the start position up to the end offsets captured at start
 * @param ratePerSecond records per second since the start
 * @param eta           time left at the current rate; empty while the rate is unknown
 */
public record BackfillProgress(long done, long total, double ratePerSecond, Optional<Duration> eta) {
    /** 0..1 */
    public double fraction() {
        return total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
    }
}

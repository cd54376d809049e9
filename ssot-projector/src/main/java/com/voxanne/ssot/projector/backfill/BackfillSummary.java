package com.voxanne.ssot.projector.backfill;

import java.time.Duration;

/**
 * What a replay did (or, with {@code dryRun}, would do) to org_credentials.
 *
 * @param records      records read
 * @param inserted     rows created
 * @param updated      rows moved to a newer event
 * @param unchanged    events that changed nothing (already applied, older, duplicated)
 * @param deadLettered records that could not be written, parked on the DLQ (dry run: that would be)
 */
public record BackfillSummary(long records, long inserted, long updated, long unchanged, long deadLettered,
                              Duration elapsed, boolean dryRun) {
}

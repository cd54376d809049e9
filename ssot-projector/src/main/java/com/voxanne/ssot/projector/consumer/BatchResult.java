package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.projector.store.UpsertCounts;
import java.time.Duration;

/**
 * What one poll batch did, once its transaction committed and its rejects were parked.
 *
 * @param records  records in the batch
 * @param counts   what the write did to org_credentials (for a dry run: what it would have done)
 * @param rejected records sent to the dead-letter topic (dry run: that would have been)
 * @param latency  the database transaction, begin to commit
 */
public record BatchResult(int records, UpsertCounts counts, int rejected, Duration latency) {
}

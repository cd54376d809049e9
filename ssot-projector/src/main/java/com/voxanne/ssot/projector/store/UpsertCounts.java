package com.voxanne.ssot.projector.store;

/**
 * What a write did to {@code org_credentials}: rows created, rows moved to a newer event (a release that removes
 * a row counts here: the row moved to its newest event, which says "not offered"), and events that changed nothing (duplicates, replays, older than the stored version, superseded in the batch).
 */
public record UpsertCounts(long inserted, long updated, long unchanged) {
    public static final UpsertCounts NONE = new UpsertCounts(0, 0, 0);

    public UpsertCounts plus(UpsertCounts other) {
        return new UpsertCounts(inserted + other.inserted, updated + other.updated, unchanged + other.unchanged);
    }

    /** Every event accounted for. */
    public long total() {
        return inserted + updated + unchanged;
    }
}

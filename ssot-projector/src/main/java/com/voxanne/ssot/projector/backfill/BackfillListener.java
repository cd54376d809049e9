package com.voxanne.ssot.projector.backfill;

/** Told after each batch of a replay, e.g. to draw the CLI's progress bar. Called on the replay's thread. */
@FunctionalInterface
public interface BackfillListener {
    BackfillListener NONE = progress -> { };

    void onProgress(BackfillProgress progress);
}

package com.voxanne.ssot.projector.backfill;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;

/**
 * How a backfill writes, beyond the projector's own settings.
 *
 * @param writers       PROJECTOR_BACKFILL_WRITERS: parallel writers, each with its own connection and transactions, each
 *                      owning a fixed group of partitions (partitions hold disjoint keys, so per-key order is kept); default 2
 *                      (the bench machine's cores); 1 writes serially; a dry run always uses 1
 * @param copyThreshold PROJECTOR_BACKFILL_COPY_THRESHOLD: a batch with at least this many rows to write goes to the
 *                      database by {@code COPY} into a temporary staging table and one merge statement instead of one
 *                      statement with array parameters; default 1000; 0 never uses COPY
 */
public record BackfillSettings(int writers, int copyThreshold) {
    public static final int DEFAULT_WRITERS = 2;
    public static final int DEFAULT_COPY_THRESHOLD = 1000;
    static final int MAX_WRITERS = 64;

    public BackfillSettings {
        if (writers < 1 || writers > MAX_WRITERS) {
            throw new ConfigException("PROJECTOR_BACKFILL_WRITERS must be 1.." + MAX_WRITERS + ", was " + writers);
        }
        if (copyThreshold < 0) {
            throw new ConfigException("PROJECTOR_BACKFILL_COPY_THRESHOLD must be >= 0 (0: never COPY), was " + copyThreshold);
        }
    }

    public static BackfillSettings defaults() {
        return new BackfillSettings(DEFAULT_WRITERS, DEFAULT_COPY_THRESHOLD);
    }

    public static BackfillSettings from(ConfigSource source) {
        return new BackfillSettings(source.getInt("PROJECTOR_BACKFILL_WRITERS", DEFAULT_WRITERS),
                source.getInt("PROJECTOR_BACKFILL_COPY_THRESHOLD", DEFAULT_COPY_THRESHOLD));
    }

    public BackfillSettings withWriters(int newWriters) {
        return new BackfillSettings(newWriters, copyThreshold);
    }

    public BackfillSettings withCopyThreshold(int newThreshold) {
        return new BackfillSettings(writers, newThreshold);
    }
}

package com.voxanne.ssot.pipeline.status;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.time.Duration;

/**
 * The status page's own settings.
 *
 * @param sampleInterval SSOT_STATUS_SAMPLE_INTERVAL: how often the charts are sampled (the page shows the last hour)
 */
public record StatusPageSettings(Duration sampleInterval) {
    public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(15);
    /** What the charts show: the last hour. */
    public static final Duration WINDOW = Duration.ofHours(1);
    private static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    private static final Duration MAX_INTERVAL = Duration.ofMinutes(5);

    public StatusPageSettings {
        if (sampleInterval.compareTo(MIN_INTERVAL) < 0 || sampleInterval.compareTo(MAX_INTERVAL) > 0) {
            // below 100 ms the probes' queries would load the database; above 5 min an hour's chart has under 12 points
            throw new ConfigException("SSOT_STATUS_SAMPLE_INTERVAL must be 100ms..5m, was " + sampleInterval);
        }
    }

    public static StatusPageSettings from(ConfigSource source) {
        return new StatusPageSettings(source.getDuration("SSOT_STATUS_SAMPLE_INTERVAL", DEFAULT_SAMPLE_INTERVAL));
    }

    public static StatusPageSettings defaults() {
        return new StatusPageSettings(DEFAULT_SAMPLE_INTERVAL);
    }
}

package com.voxanne.ssot.projector;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.projector.consumer.LoopSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The projector's own settings, read once from the {@link ConfigSource} and validated with named checks.
 *
 * @param groupId         PROJECTOR_GROUP_ID: consumer group of the live projector (default ssot-projector)
 * @param maxPollRecords  PROJECTOR_MAX_POLL_RECORDS: records per batch and transaction (default 5000)
 * @param poolSize        PROJECTOR_POOL_SIZE: database connections (default 2)
 * @param batchDelay      PROJECTOR_BATCH_DELAY: TESTING/DEMO KNOB, wait before writing each batch to make the
 *                        projector slow on purpose (default 0; must stay well below max.poll.interval.ms)
 * @param pollTimeout     PROJECTOR_POLL_TIMEOUT: longest wait in one poll (default 500ms)
 * @param retry           PROJECTOR_RETRY_INITIAL / PROJECTOR_RETRY_MAX: backoff of a failing batch (100ms..10s)
 * @param startTimeout    PROJECTOR_START_TIMEOUT: how long start() waits to join the group (default 60s)
 * @param dlqTimeout      PROJECTOR_DLQ_TIMEOUT: how long parking one record may take (default 30s)
 * @param connectTimeout  PROJECTOR_DB_CONNECT_TIMEOUT: longest wait for a pooled connection (default 3s), so a
 *                        database outage shows as DEGRADED health within seconds and each retry is short
 * @param dlqMaxAttempts  PROJECTOR_DLQ_MAX_ATTEMPTS: tries of a batch whose dead letter Kafka refuses before the
 *                        projector stops, health DOWN, nothing skipped (default 10)
 */
public record ProjectorSettings(String groupId, int maxPollRecords, int poolSize, Duration batchDelay,
                                Duration pollTimeout, Backoff retry, Duration startTimeout, Duration dlqTimeout,
                                Duration connectTimeout, int dlqMaxAttempts) {
    public static final String DEFAULT_GROUP_ID = "ssot-projector";
    public static final int DEFAULT_MAX_POLL_RECORDS = 5000;
    public static final int DEFAULT_POOL_SIZE = 2;
    public static final int DEFAULT_DLQ_MAX_ATTEMPTS = 10;
    /** Batch delay must leave room inside the consumer's max.poll.interval.ms (5 min). */
    static final Duration MAX_BATCH_DELAY = Duration.ofMinutes(2);

    public ProjectorSettings {
        List<String> problems = new ArrayList<>();
        if (groupId == null || groupId.isBlank()) {
            problems.add("PROJECTOR_GROUP_ID must not be blank");
        }
        if (maxPollRecords < 1 || maxPollRecords > 100_000) {
            problems.add("PROJECTOR_MAX_POLL_RECORDS must be 1..100000, was " + maxPollRecords);
        }
        if (poolSize < 1) {
            problems.add("PROJECTOR_POOL_SIZE must be >= 1, was " + poolSize);
        }
        if (batchDelay.isNegative() || batchDelay.compareTo(MAX_BATCH_DELAY) > 0) {
            problems.add("PROJECTOR_BATCH_DELAY must be 0.." + MAX_BATCH_DELAY.toSeconds() + "s, was " + batchDelay);
        }
        if (pollTimeout.isNegative() || pollTimeout.isZero()) {
            problems.add("PROJECTOR_POLL_TIMEOUT must be > 0, was " + pollTimeout);
        }
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            problems.add("PROJECTOR_START_TIMEOUT must be > 0, was " + startTimeout);
        }
        if (dlqMaxAttempts < 1) {
            problems.add("PROJECTOR_DLQ_MAX_ATTEMPTS must be >= 1, was " + dlqMaxAttempts);
        }
        if (dlqTimeout.isNegative() || dlqTimeout.isZero()) {
            problems.add("PROJECTOR_DLQ_TIMEOUT must be > 0, was " + dlqTimeout);
        }
        if (connectTimeout.toMillis() < 250) {
            problems.add("PROJECTOR_DB_CONNECT_TIMEOUT must be >= 250ms, was " + connectTimeout);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
    }

    public static ProjectorSettings defaults() {
        return from(ConfigSource.of(java.util.Map.of()));
    }

    public static ProjectorSettings from(ConfigSource source) {
        Backoff retry;
        try {
            retry = new Backoff(source.getDuration("PROJECTOR_RETRY_INITIAL", Backoff.DEFAULT.initial()),
                    source.getDuration("PROJECTOR_RETRY_MAX", Backoff.DEFAULT.max()), Backoff.DEFAULT.multiplier());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PROJECTOR_RETRY_INITIAL / PROJECTOR_RETRY_MAX: " + e.getMessage());
        }
        return new ProjectorSettings(
                source.get("PROJECTOR_GROUP_ID", DEFAULT_GROUP_ID),
                source.getInt("PROJECTOR_MAX_POLL_RECORDS", DEFAULT_MAX_POLL_RECORDS),
                source.getInt("PROJECTOR_POOL_SIZE", DEFAULT_POOL_SIZE),
                source.getDuration("PROJECTOR_BATCH_DELAY", Duration.ZERO),
                source.getDuration("PROJECTOR_POLL_TIMEOUT", Duration.ofMillis(500)),
                retry,
                source.getDuration("PROJECTOR_START_TIMEOUT", Duration.ofSeconds(60)),
                source.getDuration("PROJECTOR_DLQ_TIMEOUT", Duration.ofSeconds(30)),
                source.getDuration("PROJECTOR_DB_CONNECT_TIMEOUT", Duration.ofSeconds(3)),
                source.getInt("PROJECTOR_DLQ_MAX_ATTEMPTS", DEFAULT_DLQ_MAX_ATTEMPTS));
    }

    /** What the consumer loop needs of these settings. */
    public LoopSettings loop() {
        return new LoopSettings(retry, pollTimeout, batchDelay, dlqMaxAttempts);
    }

    public ProjectorSettings withDlqMaxAttempts(int attempts) {
        return new ProjectorSettings(groupId, maxPollRecords, poolSize, batchDelay, pollTimeout, retry, startTimeout, dlqTimeout,
                connectTimeout, attempts);
    }

    public ProjectorSettings withGroupId(String newGroupId) {
        return new ProjectorSettings(newGroupId, maxPollRecords, poolSize, batchDelay, pollTimeout, retry, startTimeout,
                dlqTimeout, connectTimeout, dlqMaxAttempts);
    }

    public ProjectorSettings withBatchDelay(Duration delay) {
        return new ProjectorSettings(groupId, maxPollRecords, poolSize, delay, pollTimeout, retry, startTimeout, dlqTimeout,
                connectTimeout, dlqMaxAttempts);
    }

    public ProjectorSettings withRetry(Backoff newRetry) {
        return new ProjectorSettings(groupId, maxPollRecords, poolSize, batchDelay, pollTimeout, newRetry, startTimeout,
                dlqTimeout, connectTimeout, dlqMaxAttempts);
    }

    public ProjectorSettings withMaxPollRecords(int records) {
        return new ProjectorSettings(groupId, records, poolSize, batchDelay, pollTimeout, retry, startTimeout, dlqTimeout,
                connectTimeout, dlqMaxAttempts);
    }
}

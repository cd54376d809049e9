package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the loop tries again after a failure, and what it says meanwhile: a batch whose write or offset commit failed
 * is retried (the SAME batch) after a capped exponential backoff, and so is a failed poll. Each failure episode is
 * logged once at WARN (its retries at DEBUG) and once more when it recovers, counted in the metrics, and shown in
 * health as DEGRADED with the reason. Used on the loop thread only.
 */
final class RetrySchedule {
    // the loop's log category, which operators already filter on
    private static final Logger log = LoggerFactory.getLogger(ProjectorWorker.class);

    private final String topic;
    private final Backoff backoff;
    private final DeadLetters.RefusalStreak deadLetterRefusals;
    private final ProjectorMetrics metrics;
    private final ProjectorState state;
    private final Redactor redactor;

    private int failedAttempts;
    private Instant failingSince;
    private long retryAtNanos;
    private int pollFailures;
    private boolean deadLettersExhausted;

    RetrySchedule(String topic, Backoff backoff, int deadLetterAttempts, ProjectorMetrics metrics, ProjectorState state,
                  Redactor redactor) {
        this.topic = topic;
        this.backoff = backoff;
        this.deadLetterRefusals = new DeadLetters.RefusalStreak(topic, "PROJECTOR_DLQ_MAX_ATTEMPTS", deadLetterAttempts, redactor);
        this.metrics = metrics;
        this.state = state;
        this.redactor = redactor;
    }

    /** The current batch failed and waits for its retry. */
    boolean writeFailing() {
        return failedAttempts > 0;
    }

    /** Neither the write nor polling is failing. */
    boolean healthy() {
        return failedAttempts == 0 && pollFailures == 0;
    }

    boolean retryDue() {
        return System.nanoTime() >= retryAtNanos;
    }

    long nanosUntilRetry() {
        return retryAtNanos - System.nanoTime();
    }

    /** Schedules the retry of the current batch after {@code what} failed. */
    void writeFailed(String what, Throwable e) {
        if (failedAttempts == 0) {
            failingSince = Instant.now();
            metrics.writeFailing();
            log.warn("SSOT projector failed {}: pausing consumption of {} and retrying the same batch with backoff"
                    + " (never skipped)", what, topic, e);
        } else {
            log.debug("SSOT projector retry {} failed {}: {}", failedAttempts, what, redactor.describe(e));
        }
        metrics.retried();
        deadLettersExhausted = deadLetterRefusals.failedAndExhausted(e);
        Duration delay = backoff.delay(failedAttempts);
        failedAttempts++;
        retryAtNanos = System.nanoTime() + delay.toNanos();
        state.retrying("SSOT write failing since " + failingSince + " (" + failedAttempts + " attempts, next in "
                + delay.toMillis() + " ms) while " + what + ": " + redactor.describe(e));
    }

    /** The current batch is written and its offsets committed. */
    void batchDone() {
        if (failedAttempts > 0) {
            log.info("SSOT write on {} recovered after {} failed attempts ({} s)", topic, failedAttempts,
                    Duration.between(failingSince, Instant.now()).toSeconds());
        }
        endWriteEpisode();
        state.batchDone(metrics.lag());
    }

    /** The failing batch is gone (its partitions were taken away): nothing is left to retry. */
    void batchAbandoned() {
        if (failedAttempts > 0) {
            endWriteEpisode();
        }
    }

    /**
     * Stops the loop when the dead-letter topic refused this batch's rejects {@code deadLetterAttempts} times in a row:
     * retrying forever would stall every partition with only DEGRADED health. The batch stays uncommitted (nothing is
     * skipped); the next start tries it again.
     *
     * @throws DeadLettersRefusedException with the reason, which the loop turns into health DOWN
     */
    void requireDeadLettersTaken() {
        if (deadLettersExhausted) {
            throw new DeadLettersRefusedException(deadLetterRefusals.reason());
        }
    }

    /** The dead-letter topic kept refusing records: the loop stops rather than stall with a DEGRADED health. */
    static final class DeadLettersRefusedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        DeadLettersRefusedException(String message) {
            super(message);
        }
    }

    private void endWriteEpisode() {
        deadLetterRefusals.reset();
        deadLettersExhausted = false;
        failedAttempts = 0;
        failingSince = null;
        state.running();
    }

    /** @return how long to wait before polling again */
    Duration pollFailed(KafkaException e) {
        Duration delay = backoff.delay(pollFailures);
        if (pollFailures++ == 0) {
            log.warn("SSOT projector cannot poll {}; retrying with backoff", topic, e);
        }
        state.retrying("polling " + topic + " failing (" + pollFailures + " attempts): " + redactor.describe(e));
        return delay;
    }

    void pollWorked() {
        if (pollFailures > 0) {
            log.info("SSOT projector polling {} works again after {} failures", topic, pollFailures);
            pollFailures = 0;
            if (failedAttempts == 0) {
                state.running();
            }
        }
    }
}

package com.voxanne.ssot.reconciler;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.retry.Backoff;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream thread died (broker trouble beyond the clients' own retries, a bug): log it once, count it,
 * wait a backoff and replace the thread. The new thread resumes from the last committed transaction, so
 * nothing is skipped; the backoff keeps a persistent fault from spinning. The streak resets after a
 * quiet period.
 */
final class StreamThreadFailureHandler implements StreamsUncaughtExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(StreamThreadFailureHandler.class);
    private static final Duration QUIET_PERIOD = Duration.ofMinutes(5);

    private final Backoff backoff;
    private final Counter failures;
    private final Redactor redactor;
    private int streak;
    private Instant lastFailure = Instant.EPOCH;

    StreamThreadFailureHandler(Backoff backoff, Counter failures, Redactor redactor) {
        this.backoff = backoff;
        this.failures = failures;
        this.redactor = redactor;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        Instant now = Instant.now();
        if (Duration.between(lastFailure, now).compareTo(QUIET_PERIOD) > 0) {
            streak = 0;
        }
        lastFailure = now;
        Duration delay = backoff.delay(streak++);
        failures.increment();
        log.error("Reconciler stream thread failed ({} in a row): {}; replacing it in {} ms", streak,
                redactor.describe(exception), delay.toMillis(), exception);
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    synchronized Instant lastFailure() {
        return lastFailure;
    }
}

package com.voxanne.ssot.reconciler;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.reconciler.topology.DeadLetterRefusals;
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
 * quiet period. Broker trouble is replaced forever (it passes); a dead-letter topic that refuses the unreadable record
 * does not: after {@code maxRefusals} thread failures that each followed a refused dead letter, the client shuts down
 * with health DOWN and the reason, rather than retrying forever behind a DEGRADED health. Still nothing is skipped: the
 * next start resumes from the last committed transaction.
 */
final class StreamThreadFailureHandler implements StreamsUncaughtExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(StreamThreadFailureHandler.class);
    private static final Duration QUIET_PERIOD = Duration.ofMinutes(5);

    private final Backoff backoff;
    private final Counter failures;
    private final Redactor redactor;
    private final DeadLetterRefusals.Log refusals;
    private final int maxRefusals;
    private int streak;
    private long refusalsSeen;
    private int refusedFailures;
    private Instant lastFailure = Instant.EPOCH;
    private volatile String gaveUp;

    StreamThreadFailureHandler(Backoff backoff, DeadLetterRefusals.Log refusals, int maxRefusals, Counter failures,
                               Redactor redactor) {
        this.backoff = backoff;
        this.refusals = refusals;
        this.maxRefusals = maxRefusals;
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
        if (refusals.refusals() > refusalsSeen) {
            refusalsSeen = refusals.refusals();
            if (++refusedFailures >= maxRefusals) {
                gaveUp = "stopped: the dead-letter topic refused an unreadable record " + refusedFailures + " times"
                        + " (RECONCILER_DLQ_MAX_ATTEMPTS=" + maxRefusals + "); nothing was committed past it, the next start"
                        + " resumes there. Check the dead-letter topic (exists, max.message.bytes, ACLs): "
                        + refusals.lastRefusal().orElse(redactor.describe(exception));
                log.error("Reconciler {}", gaveUp, exception);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
        }
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

    /** Why the client was shut down, once the streak ran out. */
    java.util.Optional<String> gaveUp() {
        return java.util.Optional.ofNullable(gaveUp);
    }

    synchronized Instant lastFailure() {
        return lastFailure;
    }
}

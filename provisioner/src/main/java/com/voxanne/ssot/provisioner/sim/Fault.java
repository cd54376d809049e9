package com.voxanne.ssot.provisioner.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault a simulated provider injects into one call, to reproduce what real providers do on a bad day.
 *
 * @param kind   what happens
 * @param status the HTTP status answered (for {@link Kind#ERROR} and {@link Kind#ERROR_AFTER_COMMIT})
 * @param hang   how long the server holds the call before giving up on it (for the timeouts)
 */
public record Fault(Kind kind, int status, Duration hang) {

    public enum Kind {
        /** Answer {@code status} without doing anything (a 4xx refusal or a 5xx before the effect). */
        ERROR,
        /** Do the effect (e.g. the purchase happens), then answer {@code status}: the ambiguous failure. */
        ERROR_AFTER_COMMIT,
        /** Hold the call longer than the client waits, without doing anything. */
        TIMEOUT,
        /** Do the effect, then hold the call longer than the client waits. */
        TIMEOUT_AFTER_COMMIT,
        /** Vapi only: import the number, but answer with a blank id. */
        BLANK_ID,
        /** Answer 429 with {@code Retry-After} = {@code hang} (whole seconds), without doing anything. */
        THROTTLED
    }

    public Fault {
        Objects.requireNonNull(kind, "kind");
        hang = hang == null ? Duration.ZERO : hang;
    }

    public static Fault status(int status) {
        return new Fault(Kind.ERROR, status, Duration.ZERO);
    }

    public static Fault errorAfterCommit(int status) {
        return new Fault(Kind.ERROR_AFTER_COMMIT, status, Duration.ZERO);
    }

    public static Fault timeout(Duration hang) {
        return new Fault(Kind.TIMEOUT, 0, hang);
    }

    public static Fault timeoutAfterCommit(Duration hang) {
        return new Fault(Kind.TIMEOUT_AFTER_COMMIT, 0, hang);
    }

    /** 429 Too Many Requests with a Retry-After of {@code retryAfter} (rounded up to whole seconds). */
    public static Fault throttled(Duration retryAfter) {
        return new Fault(Kind.THROTTLED, 429, retryAfter);
    }

    /** The Retry-After header value of a {@link Kind#THROTTLED} answer, in whole seconds. */
    public String retryAfterSeconds() {
        return Long.toString(Math.max(1, (hang.toMillis() + 999) / 1000));
    }

    public static Fault blankId() {
        return new Fault(Kind.BLANK_ID, 0, Duration.ZERO);
    }

    /** Whether the call's effect happens despite the fault. */
    public boolean commits() {
        return kind == Kind.ERROR_AFTER_COMMIT || kind == Kind.TIMEOUT_AFTER_COMMIT || kind == Kind.BLANK_ID;
    }
}

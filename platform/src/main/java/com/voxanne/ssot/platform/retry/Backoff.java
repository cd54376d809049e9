package com.voxanne.ssot.platform.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with full jitter. Immutable; a {@link Attempts} counts one retry loop. */
public record Backoff(Duration initial, Duration max, double multiplier) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0);

    public Backoff {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be > 0, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max backoff must be >= initial, was " + max);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("backoff multiplier must be >= 1, was " + multiplier);
        }
    }

    /** The ceiling for the n-th retry (0-based), before jitter. */
    public Duration ceiling(int attempt) {
        double millis = initial.toMillis() * Math.pow(multiplier, Math.min(attempt, 30));
        return Duration.ofMillis((long) Math.min(millis, max.toMillis()));
    }

    /** A random delay in [ceiling/2, ceiling] for the n-th retry. */
    public Duration delay(int attempt) {
        long c = ceiling(attempt).toMillis();
        return Duration.ofMillis(c / 2 + ThreadLocalRandom.current().nextLong(c / 2 + 1));
    }

    public Attempts attempts() {
        return new Attempts(this);
    }

    /** One retry loop: {@link #pause()} sleeps the next delay; {@link #reset()} after a success. */
    public static final class Attempts {
        private final Backoff backoff;
        private int n;

        private Attempts(Backoff backoff) {
            this.backoff = backoff;
        }

        public int count() {
            return n;
        }

        public Duration pause() throws InterruptedException {
            Duration d = backoff.delay(n++);
            Thread.sleep(d.toMillis());
            return d;
        }

        public void reset() {
            n = 0;
        }
    }
}

package com.voxanne.ssot.provisioner;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * At most N calls in flight to one provider from this instance (PROVISIONER_TWILIO_MAX_CONCURRENCY,
 * PROVISIONER_VAPI_MAX_CONCURRENCY): providers throttle per account, and a burst of workers hitting 429 together only
 * comes back together. A call that finds no free slot within the wait bound fails as transient (nothing was sent), so a
 * worker never sits on its lease in a queue.
 */
public final class ConcurrencyLimit {
    private final String provider;
    private final Semaphore slots;
    private final int max;
    private final Duration maxWait;

    /** A call that may throw a {@link ProviderException}. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws ProviderException;
    }

    public ConcurrencyLimit(String provider, int max, Duration maxWait) {
        this.provider = provider;
        this.max = max;
        this.slots = new Semaphore(max, true);
        this.maxWait = maxWait;
    }

    public <T> T call(String operation, Call<T> call) throws ProviderException {
        boolean acquired;
        try {
            acquired = slots.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProviderException.ambiguous(provider, operation, 0, "interrupted while waiting for a free call slot", e);
        }
        if (!acquired) {
            throw ProviderException.ambiguous(provider, operation, 0, "not sent: all " + max + " call slots stayed busy for "
                    + maxWait.toMillis() + " ms", null);
        }
        try {
            return call.run();
        } finally {
            slots.release();
        }
    }

    /** A call that returns nothing. */
    @FunctionalInterface
    public interface Action {
        void run() throws ProviderException;
    }

    public void run(String operation, Action action) throws ProviderException {
        call(operation, () -> {
            action.run();
            return null;
        });
    }

    /** Calls in flight now (for tests and health). */
    public int inFlight() {
        return max - slots.availablePermits();
    }
}

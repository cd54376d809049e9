package com.voxanne.ssot.benchmarks.infra;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting in the bench's own code: for a condition with a deadline, and for the next slot of a paced load. */
public final class BenchWaits {
    private BenchWaits() {
    }

    /**
     * Polls {@code condition} every 10 ms until it holds.
     *
     * @return false if {@code timeout} passed first
     */
    public static boolean until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return true;
    }

    /** Like {@link #until}, but a timeout is an error naming what did not happen. */
    public static void require(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        if (!until(condition, timeout)) {
            throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
        }
    }

    /** Parks until {@code System.nanoTime()} reaches {@code deadlineNanos} (an open-loop load's next send). */
    public static void parkUntil(long deadlineNanos) throws InterruptedException {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while pacing the load");
            }
        }
    }
}

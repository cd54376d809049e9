package com.voxanne.ssot.faults.system;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded waiting for the running pipeline: the suite never waits forever and never asserts while it drives; it
 * records whether something happened in time and lets the checker judge.
 */
public final class Waits {
    private static final Logger log = LoggerFactory.getLogger(Waits.class);

    private Waits() {
    }

    /** A condition that may fail while a fault lasts (the database down, for instance): a failure counts as "not yet". */
    @FunctionalInterface
    public interface Condition {
        boolean met() throws Exception;
    }

    /**
     * @param met         whether the condition held before the deadline
     * @param took        how long it took (or the whole timeout)
     * @param lastProblem the last exception the condition threw while waiting, if any (redact before showing)
     */
    public record Outcome(boolean met, Duration took, String lastProblem) {
    }

    public static Outcome until(String what, Duration timeout, Duration poll, Condition condition) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String lastProblem = null;
        while (true) {
            try {
                if (condition.met()) {
                    return new Outcome(true, Duration.ofNanos(System.nanoTime() - start), lastProblem);
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                lastProblem = e.getClass().getSimpleName() + ": " + e.getMessage();
                log.debug("Waiting for {}: not yet ({})", what, e.getClass().getSimpleName(), e);
            }
            if (System.nanoTime() >= deadline) {
                return new Outcome(false, timeout, lastProblem);
            }
            pause(poll);
        }
    }

    /** Lets time pass while a fault lasts (the driver's pacing, never a test's assertion). */
    public static void pause(Duration d) throws InterruptedException {
        if (!d.isNegative() && !d.isZero()) {
            TimeUnit.MILLISECONDS.sleep(d.toMillis());
        }
    }
}

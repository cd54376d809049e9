package com.voxanne.ssot.platform.service;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a service, the pipeline or a harness stops what it started: every part is registered (by name) as it is
 * started, and {@link #close()} closes them in reverse order. A part that fails to close is logged and the rest still
 * close; at the end one {@link CloseException} carries every failure (nothing is swallowed). An interrupt while closing
 * is kept (the flag is set again) and reported like any other failure. Closing twice closes nothing twice.
 *
 * <pre>{@code
 * Closer closer = new Closer("provisioner");
 * pool = closer.register("the database pool", Database.pool(...));
 * closer.onClose("stop the workers", workers::close);
 * ...
 * closer.close(); // workers first, then the pool
 * }</pre>
 */
public final class Closer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Closer.class);

    /** A step of shutdown. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private record Named(String what, Step step) {
    }

    private final String owner;
    private final Deque<Named> steps = new ArrayDeque<>();

    /** @param owner who closes (for the log and the exception), e.g. "provisioner" */
    public Closer(String owner) {
        this.owner = Objects.requireNonNull(owner, "owner");
    }

    /** Registers {@code resource} to be closed (before everything registered earlier) and returns it. */
    public synchronized <T extends AutoCloseable> T register(String what, T resource) {
        Objects.requireNonNull(resource, () -> "resource " + what);
        steps.push(new Named(what, resource::close));
        return resource;
    }

    /** Registers a shutdown step, run before every step registered earlier. */
    public synchronized void onClose(String what, Step step) {
        steps.push(new Named(what, Objects.requireNonNull(step, () -> "step " + what)));
    }

    /**
     * Runs every step, newest first.
     *
     * @throws CloseException after all steps ran, if any failed (each failure suppressed in it)
     */
    @Override
    public void close() {
        List<Throwable> failures = new ArrayList<>();
        Named next;
        while ((next = poll()) != null) {
            try {
                next.step().run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("{} shutdown: interrupted while trying to {}", owner, next.what(), e);
                failures.add(e);
            } catch (Exception | Error e) {
                log.error("{} shutdown: could not {}", owner, next.what(), e);
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            CloseException e = new CloseException(owner + ": " + failures.size() + " part(s) failed to close cleanly");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private synchronized Named poll() {
        return steps.poll();
    }

    /**
     * Closes {@code resource} after {@code cause} (a failed start, say): a failure to close is added to {@code cause}
     * instead of hiding it. Returns {@code cause}, for {@code throw Closer.closeAfter(e, service);}.
     */
    public static <E extends Throwable> E closeAfter(E cause, AutoCloseable resource) {
        if (resource == null) {
            return cause;
        }
        try {
            resource.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cause.addSuppressed(e);
        } catch (Exception | Error e) {
            cause.addSuppressed(e);
        }
        return cause;
    }

    /** Some part did not close cleanly; every failure is suppressed in this exception. */
    public static final class CloseException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CloseException(String message) {
            super(message);
        }
    }
}

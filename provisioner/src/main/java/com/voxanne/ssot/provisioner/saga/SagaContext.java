package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaStore;
import com.voxanne.ssot.provisioner.tracing.ProvisionerTracing;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every saga step works with, and the moves they share (retry later, fail, time a call). Writes are fenced by
 * the lease token of the record in hand ({@link SagaRecord#leaseOwner()}): unique per claim, so two workers can never
 * both believe they hold the same saga, not even two workers of one instance.
 */
final class SagaContext {
    private static final Logger log = LoggerFactory.getLogger(SagaContext.class);

    final SagaStore store;
    final ProvisionerSettings settings;
    final NumberVendor vendor;
    final VoiceAgentDirectory directory;
    final SagaStepListener listener;
    final SagaMetrics metrics;
    final Redactor redactor;
    final Clock clock;
    final ProviderCircuit circuit;
    final ProvisionerTracing tracing;
    /** Renews the leases of in-flight provider writes (one thread for all workers: a renewal is one short UPDATE). */
    private final java.util.concurrent.ScheduledExecutorService renewer;

    SagaContext(SagaStore store, ProvisionerSettings settings, NumberVendor vendor, VoiceAgentDirectory directory,
                SagaStepListener listener, SagaMetrics metrics, Redactor redactor, Clock clock, ProviderCircuit circuit,
                java.util.concurrent.ScheduledExecutorService renewer, ProvisionerTracing tracing) {
        this.store = store;
        this.settings = settings;
        this.vendor = vendor;
        this.directory = directory;
        this.listener = listener;
        this.metrics = metrics;
        this.redactor = redactor;
        this.clock = clock;
        this.circuit = circuit;
        this.renewer = renewer;
        this.tracing = tracing;
    }

    Duration lease() {
        return settings.lease();
    }

    /** Past PROVISIONER_MAX_AGE: a step that keeps failing transiently stops being retried (after a read-back). */
    boolean expired(SagaRecord saga) {
        return saga.receivedAt() != null && saga.receivedAt().plus(settings.maxAge()).isBefore(clock.instant());
    }

    /**
     * The Retry-After of the last throttled provider answer in the current step (429/503 said when to come back). One
     * step runs on one worker thread, so a thread-local carries it from the call to the {@link #retryLater} after it.
     */
    private final ThreadLocal<Duration> providerAskedToWait = new ThreadLocal<>();

    /** A new step starts: forget what an earlier step's provider answers said. */
    void beginStep() {
        providerAskedToWait.remove();
    }

    /** Hands the saga back until the backoff for its attempt count, or the provider's Retry-After if longer, has passed. */
    StepOutcome retryLater(SagaRecord saga, String step, String why, boolean countAttempt) {
        Duration delay = settings.retry().delay(saga.attempts());
        Duration asked = providerAskedToWait.get();
        providerAskedToWait.remove();
        if (asked != null && asked.compareTo(delay) > 0) {
            delay = asked; // the provider said when: coming back earlier only earns another 429
        }
        String reason = redactor.redact(why);
        log.warn("Saga step {} will be retried in {} ms (attempt {}): org={} request={} phone={}: {}", step, delay.toMillis(),
                saga.attempts() + (countAttempt ? 1 : 0), saga.orgId(), saga.requestId(), saga.phoneNumber(), reason);
        metrics.retry(step);
        store.transitions().retryLater(saga, saga.leaseOwner(), delay, reason, countAttempt);
        return StepOutcome.retryScheduled();
    }

    /** Records a failure; compensation follows when something was bought. */
    StepOutcome fail(SagaRecord saga, FailurePoint point, String error, boolean compensate, String nothingToCompensate) {
        String reason = redactor.redact(error);
        log.warn("Saga failed at {} ({}): org={} request={} phone={}: {}", point,
                compensate ? "compensating what was bought" : "nothing to compensate", saga.orgId(), saga.requestId(),
                saga.phoneNumber(), reason);
        return StepOutcome.advanced(store.transitions().fail(saga, saga.leaseOwner(), lease(), point, reason, compensate,
                nothingToCompensate));
    }

    void reached(SagaCheckpoint checkpoint, SagaRecord saga) {
        listener.reached(checkpoint, saga);
    }

    @FunctionalInterface
    interface ProviderCall<T> {
        T call() throws ProviderException;
    }

    /**
     * Renews the saga's lease every third of it while a provider WRITE is in flight, so a slow (but bounded) answer
     * never lets another worker take the saga over mid-call. A renewal that finds the lease taken only logs: the
     * write after the call is fenced by the token and fails, and the step stops.
     */
    <T> T leased(SagaRecord saga, String step, ProviderCall<T> call) throws ProviderException {
        long every = Math.max(100, lease().toMillis() / 3);
        java.util.concurrent.ScheduledFuture<?> renewal = renewer.scheduleAtFixedRate(() -> {
            try {
                store.leases().renew(saga, saga.leaseOwner(), lease());
            } catch (RuntimeException e) {
                log.warn("Could not renew the lease while {} was in flight (taken over, or the database is away): org={} request={}"
                        + " phone={}: {}", step, saga.orgId(), saga.requestId(), saga.phoneNumber(), redactor.describe(e));
                throw e; // stops the renewals
            }
        }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            return timed(step, call);
        } finally {
            renewal.cancel(false);
        }
    }

    /**
     * Runs a provider call and records its latency under {@code step}. A refusal of our configuration (401, 403, a
     * wrong base URL) opens the circuit and stops the step with {@link CircuitOpenException}: no step ever concludes
     * anything about the request from it (no failure, no compensation).
     */
    <T> T timed(String step, ProviderCall<T> call) throws ProviderException {
        long t0 = System.nanoTime();
        String outcome = "error";
        try {
            T result = call.call();
            outcome = "ok";
            return result;
        } catch (ProviderException e) {
            if (e.isConfiguration()) {
                outcome = "configuration";
                circuit.trip(e);
                throw new CircuitOpenException(redactor.redact(e.getMessage()));
            }
            e.retryAfter().ifPresent(providerAskedToWait::set);
            throw e;
        } finally {
            metrics.stepTimer(step, outcome).record(Duration.ofNanos(System.nanoTime() - t0));
        }
    }
}

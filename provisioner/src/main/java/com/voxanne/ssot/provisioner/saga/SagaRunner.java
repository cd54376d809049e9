package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.provisioner.store.DataConflictException;
import com.voxanne.ssot.provisioner.store.LeaseLostException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.provisioner.store.StoreException;
import com.voxanne.ssot.provisioner.store.StoreUnavailableException;
import com.voxanne.ssot.provisioner.tracing.ProvisionerTracing;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one leased saga from its stored state as far as it can go: through each step until it finishes, must wait
 * for a retry, or this instance stops. Every step starts from what the database says, so resuming after a crash, a
 * restart or a database outage is the same code path as the first run.
 */
final class SagaRunner {
    private static final Logger log = LoggerFactory.getLogger(SagaRunner.class);
    private static final Backoff STORE_BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 2.0);

    /** Whether this instance is stopping: {@code CLEAN} hands sagas back, {@code CRASHED} leaves them to lease expiry. */
    public enum Stop { RUNNING, CLEAN, CRASHED }

    private final SagaContext ctx;
    private final NumberChoiceStep choose;
    private final PurchaseStep purchase;
    private final ImportStep importStep;
    private final FinalWriteStep finalWrite;
    private final CompensationStep compensation;
    private final ReleaseValidationStep releaseValidation;
    private final VapiDeleteStep vapiDelete;
    private final TwilioReleaseStep twilioRelease;
    private final ReleaseWriteStep releaseWrite;
    private final ResultPublisher publisher;
    private final java.util.function.Supplier<Stop> stop;
    private final Sleeper sleeper;
    private final AtomicReference<String> storeProblem = new AtomicReference<>();

    /** Waits between database retries; returns false when the wait was cut short because the instance stops. */
    @FunctionalInterface
    public interface Sleeper {
        boolean sleep(Duration d) throws InterruptedException;
    }

    SagaRunner(SagaContext ctx, ResultPublisher publisher,
               java.util.function.Supplier<Stop> stop, Sleeper sleeper) {
        this.ctx = ctx;
        this.choose = new NumberChoiceStep(ctx);
        this.purchase = new PurchaseStep(ctx);
        this.importStep = new ImportStep(ctx);
        this.finalWrite = new FinalWriteStep(ctx);
        this.compensation = new CompensationStep(ctx);
        this.releaseValidation = new ReleaseValidationStep(ctx);
        this.vapiDelete = new VapiDeleteStep(ctx);
        this.twilioRelease = new TwilioReleaseStep(ctx);
        this.releaseWrite = new ReleaseWriteStep(ctx);
        this.publisher = publisher;
        this.stop = stop;
        this.sleeper = sleeper;
    }

    /** The last database problem a saga hit, while it lasts (for health). */
    public Optional<String> storeProblem() {
        return Optional.ofNullable(storeProblem.get());
    }

    /**
     * Drives a saga this instance has just leased, as one span of the request's trace (stored with the saga, so a run
     * after a crash or on another instance continues the same trace). Errors (a simulated kill, a JVM error) propagate
     * untouched.
     */
    public void drive(SagaRecord claimed) throws InterruptedException {
        Span run = ctx.tracing.startRun(claimed);
        try (Scope ignored = run.makeCurrent()) {
            driveInRun(claimed);
        } catch (RuntimeException | Error | InterruptedException e) {
            ctx.tracing.failed(run, e);
            throw e;
        } finally {
            run.end();
        }
    }

    private void driveInRun(SagaRecord claimed) throws InterruptedException {
        SagaRecord saga = claimed;
        while (true) {
            Stop stopping = stop.get();
            if (stopping != Stop.RUNNING && !saga.state().isTerminal()) {
                if (stopping == Stop.CLEAN) {
                    handBack(saga);
                }
                return;
            }
            try {
                if (saga.state().isTerminal()) {
                    finish(saga);
                    return;
                }
                StepOutcome outcome = step(saga);
                storeProblem.set(null);
                if (!(outcome instanceof StepOutcome.Advanced advanced)) {
                    return; // handed back: a retry is scheduled
                }
                if (advanced.saga().state().isTerminal()) {
                    reportOutcome(advanced.saga());
                }
                saga = advanced.saga();
            } catch (CircuitOpenException e) {
                waitForCircuit(saga, e);
                return;
            } catch (LeaseLostException e) {
                log.warn("Stopped working on saga: its lease was taken over. org={} request={} state={}", saga.orgId(), saga.requestId(),
                        saga.state());
                return;
            } catch (StoreUnavailableException e) {
                Optional<SagaRecord> resumed = waitForStore(saga, e);
                if (resumed.isEmpty()) {
                    return;
                }
                if (resumed.get().state().isTerminal() && !saga.state().isTerminal()) {
                    reportOutcome(resumed.get()); // our own write went through before the connection was lost
                }
                saga = resumed.get();
            } catch (DataConflictException e) {
                saga = failOnDataConflict(saga, e);
                if (saga.state().isTerminal()) {
                    reportOutcome(saga);
                }
            }
        }
    }

    /** One step, as a child span of the run (current while it runs: the final write stores its context). */
    private StepOutcome step(SagaRecord saga) {
        ctx.beginStep();
        Span span = ctx.tracing.startStep(stepName(saga), saga);
        try (Scope ignored = span.makeCurrent()) {
            StepOutcome outcome = saga.isRelease() ? releaseStep(saga) : switch (saga.state()) {
                case RECEIVED -> choose.run(saga);
                case NUMBER_CHOSEN -> purchase.run(saga);
                case PURCHASED -> importStep.run(saga);
                case IMPORTED -> finalWrite.run(saga);
                case COMPENSATING -> compensation.run(saga);
                default -> throw new IllegalStateException("no step for finished saga " + saga);
            };
            if (outcome instanceof StepOutcome.Advanced advanced) {
                ProvisionerTracing.outcome(span, "advanced", advanced.saga());
            } else {
                ProvisionerTracing.outcome(span, "retry_scheduled", null);
            }
            return outcome;
        } catch (RuntimeException e) {
            ctx.tracing.failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** A release saga's step: validate, delete in Vapi, release in Twilio, the final write. */
    private StepOutcome releaseStep(SagaRecord saga) {
        return switch (saga.state()) {
            case RECEIVED -> releaseValidation.run(saga);
            case RELEASE_VALIDATED -> vapiDelete.run(saga);
            case VAPI_DELETED -> twilioRelease.run(saga);
            case TWILIO_RELEASED -> releaseWrite.run(saga);
            default -> throw new IllegalStateException("no release step for saga " + saga);
        };
    }

    /** The span name of the step that runs from the saga's state. */
    static String stepName(SagaRecord saga) {
        if (saga.isRelease()) {
            return switch (saga.state()) {
                case RECEIVED -> "release validate";
                case RELEASE_VALIDATED -> "vapi delete";
                case VAPI_DELETED -> "twilio release";
                case TWILIO_RELEASED -> "release final write";
                default -> saga.state().name().toLowerCase(java.util.Locale.ROOT);
            };
        }
        return stepName(saga.state());
    }

    /** The span name of the provisioning step that runs from this state. */
    static String stepName(SagaState state) {
        return switch (state) {
            case RECEIVED -> "number search";
            case NUMBER_CHOSEN -> "purchase";
            case PURCHASED -> "import";
            case IMPORTED -> "final write";
            case COMPENSATING -> "compensate";
            default -> state.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * The database is unreachable: nothing about this saga can be recorded. Wait with backoff, then take the saga
     * back from the database and resume from what is stored (a step redone from there reads back first).
     */
    private Optional<SagaRecord> waitForStore(SagaRecord saga, StoreUnavailableException first) throws InterruptedException {
        StoreException failure = first;
        for (int attempt = 0; ; attempt++) {
            String problem = ctx.redactor.redact(failure.getMessage());
            if (storeProblem.getAndSet(problem) == null) {
                log.warn("Database unavailable while driving saga; waiting and resuming from the stored state. org={} request={} state={}: {}",
                        saga.orgId(), saga.requestId(), saga.state(), problem, failure);
            }
            if (!sleeper.sleep(STORE_BACKOFF.delay(attempt))) {
                return Optional.empty(); // stopping: the lease expires and the saga is resumed from the database
            }
            try {
                SagaRecord resumed = ctx.store.leases().reclaim(saga.requestId(), saga.leaseOwner(), ctx.lease());
                log.info("Database reachable again: resuming saga from state {}. org={} request={}", resumed.state(), saga.orgId(),
                        saga.requestId());
                storeProblem.set(null);
                return Optional.of(resumed);
            } catch (StoreUnavailableException again) {
                failure = again;
            } catch (LeaseLostException lost) {
                log.warn("Saga was taken over while the database was unreachable. org={} request={}", saga.orgId(), saga.requestId());
                return Optional.empty();
            }
        }
    }

    /**
     * A provider refused our configuration: hand the saga back where it stands (attempts not counted, nothing concluded)
     * until the next probe may have closed the circuit. The dispatcher claims nothing while the circuit is open.
     */
    private void waitForCircuit(SagaRecord saga, CircuitOpenException e) {
        log.warn("Saga waits for the provider circuit to close (nothing compensated): org={} request={} phone={} state={}: {}",
                saga.orgId(), saga.requestId(), saga.phoneNumber(), saga.state(), e.getMessage());
        try {
            ctx.store.transitions().retryLater(saga, saga.leaseOwner(), ctx.settings.circuitProbeInterval(),
                    "waiting for the provider circuit: " + e.getMessage(), false);
        } catch (StoreException | LeaseLostException stored) {
            log.warn("Could not hand back a saga waiting for the provider circuit; its lease expires instead. org={} request={}: {}",
                    saga.orgId(), saga.requestId(), ctx.redactor.describe(stored));
        }
    }

    /** A state write the database refuses (not the final write): the saga cannot go on; fail it, compensating if bought. */
    private SagaRecord failOnDataConflict(SagaRecord saga, DataConflictException e) {
        boolean mayHaveBought = saga.state() != SagaState.RECEIVED && !saga.isRelease(); // a release bought nothing
        log.error("Database refused a state write of saga: org={} request={} phone={} state={}", saga.orgId(), saga.requestId(),
                saga.phoneNumber(), saga.state(), e);
        return ctx.store.transitions().fail(saga, saga.leaseOwner(), ctx.lease(), FailurePoint.DB_WRITE,
                ctx.redactor.redact(e.getMessage()), mayHaveBought && saga.state() != SagaState.COMPENSATING, "none: nothing was bought");
    }

    private void finish(SagaRecord saga) {
        try {
            if (publisher.publish(saga.requestId())) {
                return; // published, and the lease cleared in the same transaction
            }
        } catch (RuntimeException e) {
            // the result stays unpublished in the database; the periodic sweep sends it
            log.warn("Could not publish the result yet; it will be re-sent. org={} request={} state={}: {}", saga.orgId(),
                    saga.requestId(), saga.state(), ctx.redactor.describe(e));
        }
        try {
            ctx.store.leases().release(saga, saga.leaseOwner());
        } catch (StoreException e) {
            log.warn("Could not release the lease of a finished saga; it expires instead. org={} request={}: {}", saga.orgId(),
                    saga.requestId(), ctx.redactor.describe(e));
        }
    }

    private void handBack(SagaRecord saga) {
        try {
            ctx.store.leases().release(saga, saga.leaseOwner());
        } catch (StoreException e) {
            log.warn("Could not hand saga back on shutdown; its lease expires instead. org={} request={}: {}", saga.orgId(),
                    saga.requestId(), ctx.redactor.describe(e));
        }
    }

    private void reportOutcome(SagaRecord finished) {
        ProvisioningStatus status = finished.state() == SagaState.COMPLETED ? ProvisioningStatus.SUCCEEDED : ProvisioningStatus.FAILED;
        ctx.metrics.outcome(status, status == ProvisioningStatus.SUCCEEDED ? null : finished.failurePoint());
        ProvisionerTracing.outcome(Span.current(), status.name(), finished); // the run's span
        if (status == ProvisioningStatus.SUCCEEDED && finished.isRelease()) {
            log.info("Released: org={} request={} phone={} twilioSid={} vapiPhoneId={}", finished.orgId(), finished.requestId(),
                    finished.phoneNumber(), finished.twilioSid(), finished.vapiPhoneId());
        } else if (status == ProvisioningStatus.SUCCEEDED) {
            log.info("Provisioned: org={} request={} phone={} twilioSid={} vapiPhoneId={}", finished.orgId(), finished.requestId(),
                    finished.phoneNumber(), finished.twilioSid(), finished.vapiPhoneId());
        }
    }
}

package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.store.DataConflictException;
import com.voxanne.ssot.provisioner.store.ReleaseStore;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release, TWILIO_RELEASED -> COMPLETED: the one transaction that takes the number away: the managed row released
 * (with when, why and by which request), NumberReleased through the outbox (deterministic eventId) and the saga state,
 * together or not at all. The projector then takes the number out of the dropdown.
 */
final class ReleaseWriteStep {
    static final String STEP = "release_db_write";
    private static final Logger log = LoggerFactory.getLogger(ReleaseWriteStep.class);

    private final SagaContext ctx;

    ReleaseWriteStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        log.info("Marking managed number released and writing its event: org={} request={} phone={} twilioSid={} vapiPhoneId={}"
                + " eventId={}", saga.orgId(), saga.requestId(), saga.phoneNumber(), saga.twilioSid(), saga.vapiPhoneId(),
                ReleaseStore.eventId(saga.requestId()));
        long t0 = System.nanoTime();
        String outcome = "error";
        try {
            SagaRecord done = ctx.store.releases().complete(saga, saga.leaseOwner(), ctx.lease(),
                    () -> ctx.reached(SagaCheckpoint.RELEASE_BEFORE_COMMIT, saga));
            outcome = "ok";
            ctx.reached(SagaCheckpoint.RELEASED, done);
            return StepOutcome.advanced(done);
        } catch (DataConflictException e) {
            return ctx.fail(saga, FailurePoint.DB_WRITE, e.getMessage(), false, "none: Vapi and Twilio are already released");
        } finally {
            ctx.metrics.stepTimer(STEP, outcome).record(Duration.ofNanos(System.nanoTime() - t0));
        }
    }
}

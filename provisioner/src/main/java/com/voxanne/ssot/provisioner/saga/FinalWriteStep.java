package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.outbox.ManagedNumber;
import com.voxanne.ssot.provisioner.outbox.NumberProvisionedFactory;
import com.voxanne.ssot.provisioner.store.DataConflictException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IMPORTED -> COMPLETED: the one transaction that makes the number visible. The managed_phone_numbers row, the
 * NumberProvisioned event (outbox, deterministic eventId) and the saga state are committed together or not at all;
 * a constraint violation is a permanent DB_WRITE failure (compensated), an unreachable database is waited out.
 */
final class FinalWriteStep {
    static final String STEP = "db_write";
    private static final Logger log = LoggerFactory.getLogger(FinalWriteStep.class);

    private final SagaContext ctx;

    FinalWriteStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        if (!saga.hasVapiPhoneId()) {
            return ctx.fail(saga, FailurePoint.VAPI_VALIDATION, "no vapiPhoneId stored for " + saga.phoneNumber(), true, null);
        }
        Instant provisionedAt = ctx.clock.instant().truncatedTo(ChronoUnit.MILLIS);
        ManagedNumber number = new ManagedNumber(EventIds.of("ManagedPhoneNumber", saga.requestId()), saga.orgId(), saga.phoneNumber(),
                saga.twilioSid(), saga.vapiPhoneId(), saga.requestId(), saga.friendlyName(), provisionedAt);
        String eventId = NumberProvisionedFactory.eventId(number);
        // the seed's diagnostic line, before the write: everything needed to investigate, and no secret
        log.info("Writing managed number and SSOT event: org={} request={} phone={} twilioSid={} vapiPhoneId={} eventId={}",
                saga.orgId(), saga.requestId(), saga.phoneNumber(), saga.twilioSid(), saga.vapiPhoneId(), eventId);
        long t0 = System.nanoTime();
        String outcome = "error";
        try {
            SagaRecord done = ctx.store.finalWrite().complete(saga, saga.leaseOwner(), ctx.lease(), number,
                    () -> ctx.reached(SagaCheckpoint.BEFORE_COMMIT, saga));
            outcome = "ok";
            ctx.reached(SagaCheckpoint.COMPLETED, done);
            return StepOutcome.advanced(done);
        } catch (DataConflictException e) {
            return ctx.fail(saga, FailurePoint.DB_WRITE, e.getMessage(), true, null);
        } finally {
            ctx.metrics.stepTimer(STEP, outcome).record(Duration.ofNanos(System.nanoTime() - t0));
        }
    }
}

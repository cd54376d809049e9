package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.store.ReleaseStore.ManagedRow;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release, RECEIVED -> RELEASE_VALIDATED: the number must be an active managed number of the org, and no provision of
 * it may be unfinished (the release waits for it: deleting an import a running saga is about to record would leave a
 * managed row pointing at nothing). The managed row's twilio_sid and vapi_phone_id are copied onto the saga, so every
 * later step (and a resume after a crash) knows exactly what to delete without reading the managed row again.
 */
final class ReleaseValidationStep {
    static final String STEP = "release_validate";
    private static final Logger log = LoggerFactory.getLogger(ReleaseValidationStep.class);

    private final SagaContext ctx;

    ReleaseValidationStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        String phone = saga.phoneNumber();
        Optional<String> provision = ctx.store.releases().unfinishedProvisionOf(phone);
        if (provision.isPresent()) {
            return ctx.retryLater(saga, STEP, "waits for the unfinished provision " + provision.get() + " of " + phone, false);
        }
        Optional<ManagedRow> row = ctx.store.releases().managedNumber(saga.orgId(), phone);
        if (row.isEmpty() || !row.get().active()) {
            String why = row.isEmpty()
                    ? phone + " is not a managed number of organisation " + saga.orgId()
                    : phone + " of organisation " + saga.orgId() + " was already released at " + row.get().releasedAt();
            log.warn("Rejected release request: org={} request={} phone={}: {}", saga.orgId(), saga.requestId(), phone, why);
            return StepOutcome.advanced(ctx.store.transitions().reject(saga, saga.leaseOwner(), ctx.lease(),
                    "invalid release request: " + why));
        }
        SagaRecord next = ctx.store.transitions().advance(saga, saga.leaseOwner(), ctx.lease(), SagaState.RELEASE_VALIDATED,
                row.get().twilioSid(), row.get().vapiPhoneId());
        ctx.reached(SagaCheckpoint.RELEASE_VALIDATED, next);
        return StepOutcome.advanced(next);
    }
}

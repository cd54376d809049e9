package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release, RELEASE_VALIDATED -> VAPI_DELETED: delete the number's import in Vapi, FIRST, so Vapi never points at a
 * number Twilio no longer routes to us. The import recorded on the managed row and any import the look-up finds for
 * the number are deleted; an import already gone is success (the delete is idempotent). After an ambiguous answer
 * (timeout, 5xx) the number is looked up again: gone means deleted. A permanent refusal fails the release with nothing
 * released in Twilio (the number stays active and managed).
 */
final class VapiDeleteStep {
    static final String STEP = "release_vapi_delete";
    private static final Logger log = LoggerFactory.getLogger(VapiDeleteStep.class);

    private final SagaContext ctx;

    VapiDeleteStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        String phone = saga.phoneNumber();
        Set<String> ids = new LinkedHashSet<>();
        if (saga.hasVapiPhoneId()) {
            ids.add(saga.vapiPhoneId());
        }
        try {
            lookUp(phone).ifPresent(ids::add);
        } catch (ProviderException e) {
            return ctx.retryLater(saga, STEP, "cannot look up the Vapi import of " + phone + ": " + e.getMessage(), true);
        }
        SagaRecord attempt = ctx.store.transitions().beginAttempt(saga, saga.leaseOwner(), ctx.lease());
        for (String id : ids) {
            try {
                boolean deleted = ctx.leased(attempt, STEP, () -> ctx.directory.delete(id));
                log.info("Release: Vapi import {} of {} {}: org={} request={}", id, phone, deleted ? "deleted" : "was already gone",
                        saga.orgId(), saga.requestId());
            } catch (ProviderException e) {
                if (e.isPermanent()) {
                    return ctx.fail(attempt, FailurePoint.VAPI_DELETE, "Vapi refused to delete import " + id + " of " + phone + ": "
                            + e.getMessage(), false, "none: nothing released in Twilio, the number stays active");
                }
                Optional<StepOutcome> waiting = afterAmbiguousDelete(attempt, id, e);
                if (waiting.isPresent()) {
                    return waiting.get();
                }
            }
        }
        ctx.reached(SagaCheckpoint.VAPI_DELETE_RESPONDED, attempt);
        SagaRecord next = ctx.store.transitions().advance(attempt, attempt.leaseOwner(), ctx.lease(), SagaState.VAPI_DELETED, null, null);
        ctx.reached(SagaCheckpoint.VAPI_DELETED, next);
        return StepOutcome.advanced(next);
    }

    /** Empty when the look-up shows the import gone (the delete went through); else the retry it schedules. */
    private Optional<StepOutcome> afterAmbiguousDelete(SagaRecord attempt, String id, ProviderException failure) {
        Optional<String> still;
        try {
            still = lookUp(attempt.phoneNumber()).filter(id::equals);
        } catch (ProviderException lookUp) {
            return Optional.of(ctx.retryLater(attempt, STEP, failure.getMessage() + "; looking up failed too: " + lookUp.getMessage(),
                    false));
        }
        if (still.isEmpty()) {
            log.info("Delete of Vapi import {} failed ambiguously but the look-up finds it gone: continuing. org={} request={}", id,
                    attempt.orgId(), attempt.requestId());
            return Optional.empty();
        }
        return Optional.of(ctx.retryLater(attempt, STEP, failure.getMessage() + " (look-up: still imported)", false));
    }

    private Optional<String> lookUp(String phone) throws ProviderException {
        return ctx.timed("release_vapi_look_up", () -> ctx.directory.findByNumber(phone)).filter(ImportedNumber::hasId)
                .map(ImportedNumber::id);
    }
}

package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.NumberChoiceStore.ActiveNumber;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * COMPENSATING -> FAILED: undo what a permanently failed saga bought: delete the import in Vapi, then release the
 * number in Twilio. Idempotent and resumable: each part is recorded in the compensation column when done, deletes
 * of what is already gone succeed, and what to undo is found by looking up the number (an import whose answer was
 * lost or had a blank id is found that way). A number that another request's managed row holds is never touched.
 * Provider failures here are retried with backoff for as long as it takes: giving up would leave a paid orphan.
 */
final class CompensationStep {
    static final String STEP = "compensate";
    private static final Logger log = LoggerFactory.getLogger(CompensationStep.class);
    private static final String VAPI = "vapi=";
    private static final String TWILIO = "twilio=";

    private final SagaContext ctx;

    CompensationStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        String done = saga.compensation() == null ? "" : saga.compensation();
        Optional<ActiveNumber> active = saga.phoneNumber() == null ? Optional.empty()
                : ctx.store.numbers().activeNumber(saga.phoneNumber());
        Optional<ActiveNumber> someoneElses = active.filter(a -> !saga.requestId().equals(a.requestId()));
        SagaRecord current = saga;
        try {
            if (!done.contains(VAPI)) {
                done = done + VAPI + undoImport(current, someoneElses) + "; ";
                current = ctx.store.transitions().recordCompensation(current, current.leaseOwner(), ctx.lease(), done, false);
            }
            if (!done.contains(TWILIO)) {
                done = done + TWILIO + undoPurchase(current, someoneElses);
            }
        } catch (ProviderException e) {
            return ctx.retryLater(current, STEP, "compensation: " + e.getMessage(), true);
        }
        SagaRecord failed = ctx.store.transitions().recordCompensation(current, current.leaseOwner(), ctx.lease(), done, true);
        log.info("Compensated failed saga: org={} request={} phone={} failurePoint={}: {}", failed.orgId(), failed.requestId(),
                failed.phoneNumber(), failed.failurePoint(), done);
        ctx.reached(SagaCheckpoint.COMPENSATED, failed);
        return StepOutcome.advanced(failed);
    }

    private String undoImport(SagaRecord saga, Optional<ActiveNumber> someoneElses) throws ProviderException {
        Set<String> ids = new LinkedHashSet<>();
        if (saga.hasVapiPhoneId()) {
            ids.add(saga.vapiPhoneId());
        }
        if (saga.phoneNumber() != null) {
            Optional<ImportedNumber> found = ctx.timed("compensate_look_up", () -> ctx.directory.findByNumber(saga.phoneNumber()));
            found.filter(ImportedNumber::hasId).ifPresent(n -> ids.add(n.id()));
        }
        someoneElses.map(ActiveNumber::vapiPhoneId).ifPresent(ids::remove);
        if (ids.isEmpty()) {
            return "nothing imported";
        }
        for (String id : ids) {
            ctx.store.leases().renew(saga, saga.leaseOwner(), ctx.lease());
            boolean deleted = ctx.timed("compensate_vapi_delete", () -> ctx.directory.delete(id));
            log.info("Compensation: Vapi import {} of {} {}: org={} request={}", id, saga.phoneNumber(),
                    deleted ? "deleted" : "was already gone", saga.orgId(), saga.requestId());
        }
        return "deleted " + String.join(",", ids);
    }

    private String undoPurchase(SagaRecord saga, Optional<ActiveNumber> someoneElses) throws ProviderException {
        if (someoneElses.isPresent()) {
            return "kept " + saga.phoneNumber() + " (it belongs to request " + someoneElses.get().requestId() + ")";
        }
        String sid = saga.twilioSid();
        if (sid == null && saga.phoneNumber() != null) {
            sid = ctx.timed("compensate_look_up", () -> ctx.vendor.findOwned(saga.phoneNumber())).map(OwnedNumber::sid).orElse(null);
        }
        if (sid == null) {
            return "nothing bought";
        }
        ctx.store.leases().renew(saga, saga.leaseOwner(), ctx.lease());
        String releasing = sid;
        boolean released = ctx.timed("compensate_twilio_release", () -> ctx.vendor.release(releasing));
        log.info("Compensation: Twilio number {} ({}) {}: org={} request={}", saga.phoneNumber(), sid,
                released ? "released" : "was already released", saga.orgId(), saga.requestId());
        return "released " + sid;
    }
}

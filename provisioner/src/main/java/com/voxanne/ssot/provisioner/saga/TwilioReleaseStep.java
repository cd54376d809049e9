package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release, VAPI_DELETED -> TWILIO_RELEASED: release the number in Twilio (twilio-java's IncomingPhoneNumber deleter). A
 * number already released is success. Any failure is read back (is the SID still ours?) and, while it is, retried with
 * backoff for as long as it takes, like compensation: Vapi no longer answers the number, so giving up would leave a paid
 * number nobody can use; a release that keeps failing shows as a stuck saga.
 */
final class TwilioReleaseStep {
    static final String STEP = "release_twilio";
    private static final Logger log = LoggerFactory.getLogger(TwilioReleaseStep.class);

    private final SagaContext ctx;

    TwilioReleaseStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        String sid = saga.twilioSid();
        SagaRecord attempt = ctx.store.transitions().beginAttempt(saga, saga.leaseOwner(), ctx.lease());
        try {
            boolean released = ctx.leased(attempt, STEP, () -> ctx.vendor.release(sid));
            log.info("Release: Twilio number {} ({}) {}: org={} request={}", saga.phoneNumber(), sid,
                    released ? "released" : "was already released", saga.orgId(), saga.requestId());
        } catch (ProviderException e) {
            Optional<OwnedNumber> owned;
            try {
                owned = ctx.timed("release_twilio_look_up", () -> ctx.vendor.findOwned(attempt.phoneNumber()))
                        .filter(n -> sid.equals(n.sid()));
            } catch (ProviderException lookUp) {
                return ctx.retryLater(attempt, STEP, e.getMessage() + "; looking up failed too: " + lookUp.getMessage(), true);
            }
            if (owned.isPresent()) {
                return ctx.retryLater(attempt, STEP, e.getMessage() + " (look-up: still owned)", true);
            }
            log.info("Release of {} ({}) failed ({}) but the look-up finds it no longer owned: continuing. org={} request={}",
                    saga.phoneNumber(), sid, e.getMessage(), saga.orgId(), saga.requestId());
        }
        ctx.reached(SagaCheckpoint.TWILIO_RELEASE_RESPONDED, attempt);
        SagaRecord next = ctx.store.transitions().advance(attempt, attempt.leaseOwner(), ctx.lease(), SagaState.TWILIO_RELEASED, null,
                null);
        ctx.reached(SagaCheckpoint.TWILIO_RELEASED, next);
        return StepOutcome.advanced(next);
    }
}

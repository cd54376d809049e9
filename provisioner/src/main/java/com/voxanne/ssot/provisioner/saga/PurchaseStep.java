package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.provisioner.store.SagaStore.ActiveNumber;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NUMBER_CHOSEN -> PURCHASED: buy exactly the chosen E.164, never twice.
 *
 * <p>Each attempt is counted in the database before the request is sent. So when a saga arrives here with
 * attempts &gt; 0 an earlier purchase may have gone through (an ambiguous answer, or a crash before its answer was
 * stored): the step reads back first and only buys if the account does not own the number. After an ambiguous
 * failure it reads back at once; a refusal (4xx) is final and nothing was bought.
 */
final class PurchaseStep {
    static final String STEP = "purchase";
    private static final Logger log = LoggerFactory.getLogger(PurchaseStep.class);
    private static final String NOTHING_BOUGHT = "none: nothing was bought";

    private final SagaContext ctx;

    PurchaseStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    Optional<SagaRecord> run(SagaRecord saga) {
        String phone = saga.phoneNumber();
        if (saga.attempts() > 0) {
            Optional<OwnedNumber> owned;
            try {
                owned = ctx.timed("purchase_read_back", () -> ctx.vendor.findOwned(phone));
            } catch (ProviderException e) {
                return ctx.retryLater(saga, STEP, "cannot read back " + phone + " after an earlier purchase attempt: " + e.getMessage(), true);
            }
            if (owned.isPresent()) {
                log.info("Read-back finds {} already bought (sid {}) by an earlier attempt: org={} request={}", phone, owned.get().sid(),
                        saga.orgId(), saga.requestId());
                return purchasedIfOurs(saga, owned.get());
            }
            if (ctx.expired(saga)) {
                return ctx.fail(saga, FailurePoint.TWILIO_PURCHASE, "gave up after " + saga.attempts() + " attempts: "
                        + (saga.error() == null ? "purchase kept failing" : saga.error()), false, "none: read-back shows nothing was bought");
            }
        }
        SagaRecord attempt = ctx.store.beginAttempt(saga, saga.leaseOwner(), ctx.lease());
        ctx.reached(SagaCheckpoint.PURCHASE_SENDING, attempt);
        OwnedNumber bought;
        try {
            bought = ctx.timed(STEP, () -> ctx.vendor.buy(phone, attempt.friendlyNameOpt()));
        } catch (ProviderException e) {
            if (e.isPermanent()) {
                return ctx.fail(attempt, FailurePoint.TWILIO_PURCHASE, e.getMessage(), false, NOTHING_BOUGHT);
            }
            return afterAmbiguousPurchase(attempt, e);
        }
        ctx.reached(SagaCheckpoint.PURCHASE_RESPONDED, attempt);
        return purchased(attempt, bought);
    }

    /** The purchase may or may not have happened: ask Twilio before deciding anything. */
    private Optional<SagaRecord> afterAmbiguousPurchase(SagaRecord attempt, ProviderException failure) {
        Optional<OwnedNumber> owned;
        try {
            owned = ctx.timed("purchase_read_back", () -> ctx.vendor.findOwned(attempt.phoneNumber()));
        } catch (ProviderException readBack) {
            return ctx.retryLater(attempt, STEP, failure.getMessage() + "; reading back failed too: " + readBack.getMessage(), false);
        }
        if (owned.isPresent()) {
            log.info("Purchase of {} answered {} but read-back finds it bought (sid {}): continuing. org={} request={}",
                    attempt.phoneNumber(), failure.httpStatus().isPresent() ? "HTTP " + failure.httpStatus().getAsInt() : "nothing",
                    owned.get().sid(), attempt.orgId(), attempt.requestId());
            return purchasedIfOurs(attempt, owned.get());
        }
        return ctx.retryLater(attempt, STEP, failure.getMessage() + " (read-back: not bought)", false);
    }

    /** A read-back found the number: it is ours unless another request's managed row already has it. */
    private Optional<SagaRecord> purchasedIfOurs(SagaRecord saga, OwnedNumber owned) {
        Optional<ActiveNumber> active = ctx.store.activeNumber(owned.phoneNumber());
        if (active.isPresent() && !saga.requestId().equals(active.get().requestId())) {
            return ctx.fail(saga, FailurePoint.TWILIO_PURCHASE, "number " + owned.phoneNumber() + " already belongs to request "
                    + active.get().requestId(), false, "none: the number belongs to another request and is kept");
        }
        return purchased(saga, owned);
    }

    private Optional<SagaRecord> purchased(SagaRecord saga, OwnedNumber owned) {
        SagaRecord next = ctx.store.advance(saga, saga.leaseOwner(), ctx.lease(), SagaState.PURCHASED, owned.sid(), null);
        ctx.reached(SagaCheckpoint.PURCHASED, next);
        return Optional.of(next);
    }
}

package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.provisioner.store.NumberChoiceStore.ActiveNumber;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NUMBER_CHOSEN -> PURCHASED: buy exactly the chosen E.164, never twice.
 *
 * <p>Each attempt is counted in the database before the request is sent. So when a saga arrives here with
 * attempts &gt; 0 an earlier purchase may have gone through (an ambiguous answer, or a crash before its answer was
 * stored): the step reads back first and only buys if the account does not own the number.
 *
 * <p>EVERY failed purchase is followed by a read-back of that exact E.164, a refusal (4xx) included: after an earlier
 * ambiguous attempt (a timeout, a 5xx, a worker that lost its lease) Twilio answers 21422 "not available" precisely
 * because we own the number now. Owned by us: continue as purchased. Not owned after a 21422: if an earlier attempt was
 * ambiguous, the purchase may not be visible to reads yet, so read back again (within PROVISIONER_PURCHASE_VISIBILITY);
 * otherwise another buyer took it between search and purchase, and the saga goes back to choose another candidate
 * (at most {@value #MAX_LOST_NUMBERS} numbers lost, then it fails with nothing bought). Any other refusal is final.
 *
 * <p>A worker whose lease was taken never sends a purchase: the lease is renewed (fenced by its token) right before the
 * call, and the HTTP clients bound the whole exchange, body included, by PROVISIONER_HTTP_TIMEOUT (under half the lease).
 */
final class PurchaseStep {
    static final String STEP = "purchase";
    private static final Logger log = LoggerFactory.getLogger(PurchaseStep.class);
    private static final String NOTHING_BOUGHT = "none: nothing was bought";
    /** How many chosen numbers a saga may lose to other buyers before it fails (each loss is recorded). */
    static final int MAX_LOST_NUMBERS = 3;

    private final SagaContext ctx;

    PurchaseStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
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
            if (ctx.expired(saga) && !withinVisibility(saga)) {
                // past the visibility window too: a purchase by an earlier attempt would show by now
                return ctx.fail(saga, FailurePoint.TWILIO_PURCHASE, "gave up after " + saga.attempts() + " attempts: "
                        + (saga.error() == null ? "purchase kept failing" : saga.error()), false, "none: read-back shows nothing was bought");
            }
        }
        SagaRecord attempt = ctx.store.transitions().beginAttempt(saga, saga.leaseOwner(), ctx.lease());
        ctx.reached(SagaCheckpoint.PURCHASE_SENDING, attempt);
        // the fence: a worker that stalled since counting its attempt may have lost the saga to another; then it must not buy
        attempt = ctx.store.leases().renew(attempt, attempt.leaseOwner(), ctx.lease());
        // and the circuit: it may have opened (another saga's call was refused) since this saga was claimed
        if (ctx.circuit.isOpen()) {
            throw new CircuitOpenException("provider circuit open: " + ctx.circuit.state().map(ProviderCircuit.Open::reason).orElse("closed since"));
        }
        OwnedNumber bought;
        try {
            SagaRecord sending = attempt;
            bought = ctx.leased(sending, STEP, () -> ctx.vendor.buy(phone, sending.friendlyNameOpt()));
        } catch (ProviderException e) {
            return afterFailedPurchase(attempt, e);
        }
        ctx.reached(SagaCheckpoint.PURCHASE_RESPONDED, attempt);
        return purchased(attempt, bought);
    }

    /** Whatever the purchase answered, ask Twilio whether the account owns the number before deciding anything. */
    private StepOutcome afterFailedPurchase(SagaRecord attempt, ProviderException failure) {
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
        if (!failure.isPermanent()) {
            return ctx.retryLater(attempt, STEP, failure.getMessage() + " (read-back: not bought)", false);
        }
        if (!failure.isNumberNotAvailable()) {
            return ctx.fail(attempt, FailurePoint.TWILIO_PURCHASE, failure.getMessage(), false,
                    "none: read-back shows nothing was bought");
        }
        boolean earlierAttempt = attempt.attempts() > 1;
        if (earlierAttempt && withinVisibility(attempt)) {
            // our own earlier attempt may have bought it and reads may not show it yet: read back again, do not move on
            return ctx.retryLater(attempt, STEP, failure.getMessage() + " after an earlier ambiguous attempt, and read-back does not"
                    + " show it yet: reading back again", false);
        }
        return lostToAnotherBuyer(attempt, failure);
    }

    /** Another buyer has the number: choose another candidate, or fail after {@value #MAX_LOST_NUMBERS} lost numbers. */
    private StepOutcome lostToAnotherBuyer(SagaRecord attempt, ProviderException failure) {
        int lost = attempt.lostNumberList().size() + 1;
        if (lost >= MAX_LOST_NUMBERS) {
            String numbers = String.join(", ", attempt.lostNumberList()) + (lost > 1 ? ", " : "") + attempt.phoneNumber();
            return ctx.fail(attempt, FailurePoint.TWILIO_PURCHASE, "another buyer bought each of the " + lost
                    + " numbers chosen for this request between search and purchase (" + numbers + "); last answer: "
                    + failure.getMessage(), false, NOTHING_BOUGHT);
        }
        log.warn("Another buyer took {} between search and purchase (read-back: not ours): choosing another number ({} of {} lost)."
                + " org={} request={}", attempt.phoneNumber(), lost, MAX_LOST_NUMBERS, attempt.orgId(), attempt.requestId());
        ctx.metrics.retry("lost_number");
        SagaRecord again = ctx.store.transitions().loseNumber(attempt, attempt.leaseOwner(), ctx.lease(), "lost " + attempt.phoneNumber()
                + " to another buyer: " + ctx.redactor.redact(failure.getMessage()));
        return StepOutcome.advanced(again);
    }

    /** Since choosing the number, within PROVISIONER_PURCHASE_VISIBILITY (never longer than PROVISIONER_MAX_AGE). */
    private boolean withinVisibility(SagaRecord attempt) {
        Duration window = ctx.settings.purchaseVisibility().compareTo(ctx.settings.maxAge()) < 0
                ? ctx.settings.purchaseVisibility() : ctx.settings.maxAge();
        return attempt.updatedAt() == null || attempt.updatedAt().plus(window).isAfter(ctx.clock.instant());
    }

    /** A read-back found the number: it is ours unless another request's managed row already has it. */
    private StepOutcome purchasedIfOurs(SagaRecord saga, OwnedNumber owned) {
        Optional<ActiveNumber> active = ctx.store.numbers().activeNumber(owned.phoneNumber());
        if (active.isPresent() && !saga.requestId().equals(active.get().requestId())) {
            return ctx.fail(saga, FailurePoint.TWILIO_PURCHASE, "number " + owned.phoneNumber() + " already belongs to request "
                    + active.get().requestId(), false, "none: the number belongs to another request and is kept");
        }
        return purchased(saga, owned);
    }

    private StepOutcome purchased(SagaRecord saga, OwnedNumber owned) {
        SagaRecord next = ctx.store.transitions().advance(saga, saga.leaseOwner(), ctx.lease(), SagaState.PURCHASED, owned.sid(), null);
        ctx.reached(SagaCheckpoint.PURCHASED, next);
        return StepOutcome.advanced(next);
    }
}

package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * RECEIVED -> NUMBER_CHOSEN: search the vendor and store the chosen E.164 BEFORE anything is bought, so that every
 * later step (and every retry after a crash) is about that one number.
 */
final class NumberChoiceStep {
    static final String STEP = "search";
    private static final int CANDIDATES = 20;
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    private static final String NOTHING_BOUGHT = "none: nothing was bought";

    private final SagaContext ctx;

    NumberChoiceStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        List<String> candidates;
        try {
            candidates = ctx.timed(STEP, () -> ctx.vendor.search(saga.countryCode(), saga.areaCodeOpt(), CANDIDATES));
        } catch (ProviderException e) {
            if (e.isPermanent()) {
                return ctx.fail(saga, FailurePoint.NUMBER_SEARCH, e.getMessage(), false, NOTHING_BOUGHT);
            }
            if (ctx.expired(saga)) {
                return ctx.fail(saga, FailurePoint.NUMBER_SEARCH, "gave up after " + (saga.attempts() + 1) + " attempts: " + e.getMessage(),
                        false, NOTHING_BOUGHT);
            }
            return ctx.retryLater(saga, STEP, e.getMessage(), true);
        }
        // never one this saga already lost to another buyer (a search can still list it for a moment)
        List<String> lost = saga.lostNumberList();
        List<String> wellFormed = candidates.stream().filter(n -> n != null && E164.matcher(n).matches() && !lost.contains(n)).toList();
        if (wellFormed.isEmpty()) {
            return ctx.fail(saga, FailurePoint.NUMBER_SEARCH, "no number available in " + saga.countryCode()
                    + saga.areaCodeOpt().map(a -> " area code " + a).orElse(""), false, NOTHING_BOUGHT);
        }
        Optional<SagaRecord> chosen = ctx.store.numbers().chooseNumber(saga, saga.leaseOwner(), ctx.lease(), wellFormed);
        if (chosen.isEmpty()) {
            if (ctx.expired(saga)) {
                return ctx.fail(saga, FailurePoint.NUMBER_SEARCH, "every available number is being bought by other requests",
                        false, NOTHING_BOUGHT);
            }
            return ctx.retryLater(saga, STEP, "every number found is being bought by other requests", true);
        }
        ctx.reached(SagaCheckpoint.NUMBER_CHOSEN, chosen.get());
        return StepOutcome.advanced(chosen.get());
    }
}

package com.voxanne.ssot.reconciler.query;

import java.time.Instant;

/**
 * One active managed number of an organisation as {@code GET /api/compliance} shows it.
 *
 * @param compliance          COMPLIANT or the violation kind seen now
 * @param alert               NONE, PENDING (non-compliant, within the grace or held while catching up)
 *                            or OPEN (published on the violations topic)
 * @param nonCompliantSince   since when it is non-compliant (null when compliant)
 * @param openedAt            when the OPEN was published (null unless OPEN)
 */
public record NumberComplianceView(
        String phoneNumber,
        String managedNumberId,
        String compliance,
        String alert,
        boolean ssotRowPresent,
        Boolean isManaged,
        String expectedVapiPhoneId,
        String observedVapiPhoneId,
        Instant nonCompliantSince,
        Instant openedAt) {
}

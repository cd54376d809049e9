package com.voxanne.ssot.reconciler.query;

import java.time.Instant;

/**
 * One OPEN violation as {@code GET /api/violations} shows it.
 *
 * @param ageSeconds how long the SSOT has been wrong for this number (now - missingSince)
 */
public record OpenViolationView(
        String orgId,
        String phoneNumber,
        String kind,
        String managedNumberId,
        String expectedVapiPhoneId,
        String observedVapiPhoneId,
        Instant missingSince,
        Instant openedAt,
        long ageSeconds) {
}

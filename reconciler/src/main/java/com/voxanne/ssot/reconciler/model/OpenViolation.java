package com.voxanne.ssot.reconciler.model;

import java.util.Objects;

/**
 * A violation the reconciler has published as OPEN and not yet RESOLVED: the record of what was emitted,
 * committed atomically with the emission (exactly-once), so that restarts and rebalances never emit an
 * episode's OPEN or RESOLVED twice.
 *
 * @param missingSince  start of the episode (the observation's nonCompliantSince when it opened)
 * @param revision      0 for the episode's first OPEN, +1 for each re-publication after a kind change
 *                      (part of the deterministic eventId)
 * @param openedAt      when the first OPEN of the episode was emitted
 * @param lastEmittedAt when the latest OPEN of the episode was emitted
 */
public record OpenViolation(
        String orgId,
        String phoneNumber,
        Compliance kind,
        String managedNumberId,
        String expectedVapiPhoneId,
        String observedVapiPhoneId,
        long missingSince,
        int revision,
        long openedAt,
        long lastEmittedAt) {

    public OpenViolation {
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(phoneNumber, "phoneNumber");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(managedNumberId, "managedNumberId");
        Objects.requireNonNull(expectedVapiPhoneId, "expectedVapiPhoneId");
    }

    /** The episode as it opens now from this observation. */
    public static OpenViolation opened(NumberObservation o, long now) {
        return new OpenViolation(o.orgId(), o.phoneNumber(), o.kind(), o.managedNumberId(), o.expectedVapiPhoneId(),
                o.observedVapiPhoneId(), o.nonCompliantSince(), 0, now, now);
    }

    /** The same episode re-published with the observation's new kind. */
    public OpenViolation withKind(NumberObservation o, long now) {
        return new OpenViolation(orgId, phoneNumber, o.kind(), o.managedNumberId(), o.expectedVapiPhoneId(),
                o.observedVapiPhoneId(), missingSince, revision + 1, openedAt, now);
    }
}

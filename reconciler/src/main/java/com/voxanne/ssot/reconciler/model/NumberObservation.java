package com.voxanne.ssot.reconciler.model;

import java.util.Objects;

/**
 * What the reconciler currently sees wrong with one active managed number (kept only while it is
 * non-compliant). {@code nonCompliantSince} is the wall-clock time it was first seen non-compliant in
 * this stretch; the grace period runs from there. {@code kindSince} is when the current kind was first
 * seen (equal to {@code nonCompliantSince} unless the kind changed).
 */
public record NumberObservation(
        String orgId,
        String phoneNumber,
        String managedNumberId,
        String expectedVapiPhoneId,
        String observedVapiPhoneId,
        Compliance kind,
        long nonCompliantSince,
        long kindSince) {

    public NumberObservation {
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(phoneNumber, "phoneNumber");
        Objects.requireNonNull(managedNumberId, "managedNumberId");
        Objects.requireNonNull(expectedVapiPhoneId, "expectedVapiPhoneId");
        Objects.requireNonNull(kind, "kind");
        if (!kind.violation()) {
            throw new IllegalArgumentException("an observation records a violation, not " + kind);
        }
    }

    /** The first sighting of a violation at {@code now}. */
    public static NumberObservation first(ManagedNumberRow managed, SsotRow ssot, Compliance kind, long now) {
        return new NumberObservation(managed.orgId(), managed.phoneNumber(), managed.id(), managed.vapiPhoneId(),
                ssot == null ? null : ssot.vapiPhoneId(), kind, now, now);
    }

    /** The same stretch of non-compliance seen again at {@code now}, perhaps with another kind or other values. */
    public NumberObservation next(ManagedNumberRow managed, SsotRow ssot, Compliance newKind, long now) {
        return new NumberObservation(managed.orgId(), managed.phoneNumber(), managed.id(), managed.vapiPhoneId(),
                ssot == null ? null : ssot.vapiPhoneId(), newKind, nonCompliantSince,
                newKind == kind ? kindSince : now);
    }
}

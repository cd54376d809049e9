package com.voxanne.ssot.reconciler.model;

import java.util.Objects;

/**
 * What the reconciler currently sees wrong with one active managed number, or with an SSOT row that has none behind it
 * (kept only while it is non-compliant). {@code nonCompliantSince} is the wall-clock time it was first seen non-compliant in
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
        return new NumberObservation(orgOf(managed, ssot), phoneOf(managed, ssot), idOf(managed), expectedOf(managed),
                ssot == null ? null : ssot.vapiPhoneId(), kind, now, now);
    }

    // a STALE_SSOT_ROW may have no managed number at all: its managed id and expected Vapi id are then empty
    private static String orgOf(ManagedNumberRow managed, SsotRow ssot) {
        return managed != null ? managed.orgId() : ssot.orgId();
    }

    private static String phoneOf(ManagedNumberRow managed, SsotRow ssot) {
        return managed != null ? managed.phoneNumber() : ssot.phoneNumber();
    }

    private static String idOf(ManagedNumberRow managed) {
        return managed == null ? "" : managed.id();
    }

    private static String expectedOf(ManagedNumberRow managed) {
        return managed == null ? "" : managed.vapiPhoneId();
    }

    /** The same stretch of non-compliance seen again at {@code now}, perhaps with another kind or other values. */
    public NumberObservation next(ManagedNumberRow managed, SsotRow ssot, Compliance newKind, long now) {
        return new NumberObservation(orgOf(managed, ssot), phoneOf(managed, ssot), idOf(managed), expectedOf(managed),
                ssot == null ? null : ssot.vapiPhoneId(), newKind, nonCompliantSince,
                newKind == kind ? kindSince : now);
    }
}

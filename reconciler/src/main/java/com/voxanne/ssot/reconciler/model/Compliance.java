package com.voxanne.ssot.reconciler.model;

import com.voxanne.ssot.schemas.avro.ViolationKind;

/**
 * The verdict for one ACTIVE managed number against its SSOT row (and, {@link #ofKey}, for an SSOT row with no active
 * managed number behind it): compliant, or the one kind of violation that describes it best. The rule lives here once; the stream and the compliance check both
 * use it (the SQL audit restates it independently, on purpose, as a cross-check).
 *
 * <p>When several things are wrong the most fundamental wins, in this order: no row at all, no Vapi id
 * (the dropdown cannot show the number), a different Vapi id (it shows the wrong one), not flagged as
 * managed.
 */
public enum Compliance {
    COMPLIANT,
    MISSING_SSOT_ROW,
    MISSING_VAPI_ID,
    VAPI_ID_MISMATCH,
    NOT_MARKED_MANAGED,
    /**
     * The other direction: an SSOT row that offers a number with no active managed number behind it (released, or
     * absent: deleted, or never bought). Only a row flagged {@code is_managed}, or one whose managed number was
     * released, is judged: an unmanaged row with no managed number at all is a customer's own number, not ours.
     */
    STALE_SSOT_ROW;

    /**
     * The verdict for one joined (org, number) key, either side possibly missing.
     *
     * @param managed the managed number under the key (active or released), or null when there is none
     * @param ssot    the SSOT row under the key, or null when there is none
     */
    public static Compliance ofKey(ManagedNumberRow managed, SsotRow ssot) {
        if (managed != null && managed.active()) {
            return of(managed, ssot);
        }
        if (ssot == null || !SsotRow.TWILIO.equals(ssot.provider())) {
            return COMPLIANT; // released or gone, and not offered: nothing to enforce
        }
        return managed != null || ssot.managed() ? STALE_SSOT_ROW : COMPLIANT;
    }

    /**
     * @param managed an active managed number (callers decide what released and deleted rows mean)
     * @param ssot    its SSOT row, or null when there is none
     */
    public static Compliance of(ManagedNumberRow managed, SsotRow ssot) {
        if (ssot == null || !SsotRow.TWILIO.equals(ssot.provider())) {
            return MISSING_SSOT_ROW;
        }
        if (!ssot.hasVapiPhoneId()) {
            return MISSING_VAPI_ID;
        }
        if (!ssot.vapiPhoneId().equals(managed.vapiPhoneId())) {
            return VAPI_ID_MISMATCH;
        }
        if (!ssot.managed()) {
            return NOT_MARKED_MANAGED;
        }
        return COMPLIANT;
    }

    public boolean violation() {
        return this != COMPLIANT;
    }

    /** The contract's kind for a violation. */
    public ViolationKind toKind() {
        if (this == COMPLIANT) {
            throw new IllegalStateException("COMPLIANT is not a violation kind");
        }
        return ViolationKind.valueOf(name());
    }
}

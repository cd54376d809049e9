package com.voxanne.ssot.reconciler.model;

import java.util.Objects;

/**
 * The columns of one {@code managed_phone_numbers} row that compliance depends on, as the relay's CDC
 * record carries them. Operations' record of a number the platform bought: the SSOT must mirror it.
 *
 * @param id            the row id (uuid as text)
 * @param orgId         owning organisation (uuid as text)
 * @param phoneNumber   E.164
 * @param twilioSid     Twilio IncomingPhoneNumber SID (PN...)
 * @param vapiPhoneId   the Vapi phone id the SSOT row must carry (never blank in the table)
 * @param status        {@code active} or {@code released}
 */
public record ManagedNumberRow(String id, String orgId, String phoneNumber, String twilioSid, String vapiPhoneId,
                               String status) {
    public static final String ACTIVE = "active";
    public static final String RELEASED = "released";

    public ManagedNumberRow {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(orgId, "org_id");
        Objects.requireNonNull(phoneNumber, "phone_number");
        Objects.requireNonNull(vapiPhoneId, "vapi_phone_id");
        Objects.requireNonNull(status, "status");
    }

    /** Only an active number must be in the SSOT; a released one is no longer the org's. */
    public boolean active() {
        return ACTIVE.equals(status);
    }
}

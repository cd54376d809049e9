package com.voxanne.ssot.reconciler.model;

import java.util.Objects;

/**
 * The columns of one {@code org_credentials} row (the single source of truth the agent-configuration
 * dropdown reads) that compliance depends on.
 *
 * @param id           identity of the row (may be null when the record did not carry it)
 * @param orgId        owning organisation (uuid as text)
 * @param provider     always {@code twilio} today
 * @param phoneNumber  E.164
 * @param vapiPhoneId  may be null or blank on legacy rows: that is {@link Compliance#MISSING_VAPI_ID}
 * @param twilioSid    may be null on legacy rows
 * @param managed      the {@code is_managed} flag
 * @param version      the projector's version guard (may be null)
 * @param writtenBy    who wrote the row last ({@code projector}, {@code backfill}, {@code operator}: the
 *                     {@code written_by} column of migration V9); null for rows written before it, and in CDC records
 *                     from before it
 */
public record SsotRow(Long id, String orgId, String provider, String phoneNumber, String vapiPhoneId,
                      String twilioSid, boolean managed, Long version, String writtenBy) {
    public static final String TWILIO = "twilio";

    /** A row whose writer is not known. */
    public SsotRow(Long id, String orgId, String provider, String phoneNumber, String vapiPhoneId, String twilioSid,
                   boolean managed, Long version) {
        this(id, orgId, provider, phoneNumber, vapiPhoneId, twilioSid, managed, version, null);
    }

    public SsotRow {
        Objects.requireNonNull(orgId, "org_id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(phoneNumber, "phone_number");
    }

    /** True when the row carries a usable Vapi phone id (not null, not blank). */
    public boolean hasVapiPhoneId() {
        return vapiPhoneId != null && !vapiPhoneId.isBlank();
    }
}

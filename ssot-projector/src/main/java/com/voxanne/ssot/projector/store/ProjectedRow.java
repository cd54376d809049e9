package com.voxanne.ssot.projector.store;

import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;

/**
 * The {@code org_credentials} row one {@code NumberProvisioned} (or {@code NumberReleased}) event projects, as it says the row should be
 * (the reconciler's {@code SsotRow} is something else: the row as CDC reports it from the table).
 * Only rows built by {@link EventValidator} reach the database, so every field here already satisfies
 * the contract (UUIDs parsed, E.164, PN sid, non-blank Vapi id).
 *
 * <p>A {@code released} row stands for a NumberReleased: the row must no longer be offered (it is removed, and the
 * release remembered so that an older NumberProvisioned cannot bring it back). It competes with provisions of the same
 * key by the same version order, so the newest event of a key decides whether the number is offered.
 *
 * @param version provisionedAt (or releasedAt) in epoch millis; with {@code eventId} it orders two events of one key
 */
public record ProjectedRow(UUID orgId, String phoneNumber, String vapiPhoneId, String twilioSid, UUID eventId,
                      long version, String requestId, boolean released) {

    /** The row a NumberProvisioned says should be offered. */
    public ProjectedRow(UUID orgId, String phoneNumber, String vapiPhoneId, String twilioSid, UUID eventId, long version,
                        String requestId) {
        this(orgId, phoneNumber, vapiPhoneId, twilioSid, eventId, version, requestId, false);
    }

    /**
     * Oldest first: by version, ties broken by eventId in the order PostgreSQL sorts {@code uuid}
     * (unsigned bytes, which is the order of the lower-case canonical text), so Java and SQL agree
     * on which of two events wins.
     */
    public static final Comparator<ProjectedRow> OLDEST_FIRST = Comparator.comparingLong(ProjectedRow::version)
            .thenComparing(row -> row.eventId().toString());

    public ProjectedRow {
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(phoneNumber, "phoneNumber");
        Objects.requireNonNull(vapiPhoneId, "vapiPhoneId");
        Objects.requireNonNull(twilioSid, "twilioSid");
        Objects.requireNonNull(eventId, "eventId");
    }

    public Key key() {
        return new Key(orgId, phoneNumber);
    }

    /** True when this row's event wins over {@code other}'s (strictly newer version stamp). */
    public boolean supersedes(ProjectedRow other) {
        return OLDEST_FIRST.compare(this, other) > 0;
    }

    /** The natural key of {@code org_credentials} (provider is always 'twilio' here). */
    public record Key(UUID orgId, String phoneNumber) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = orgId.compareTo(o.orgId);
            return c != 0 ? c : phoneNumber.compareTo(o.phoneNumber);
        }
    }
}

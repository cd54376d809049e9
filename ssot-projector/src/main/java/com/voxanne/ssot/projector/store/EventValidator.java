package com.voxanne.ssot.projector.store;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The contract checks a NumberProvisioned (or NumberReleased) must pass before it may become an SSOT row. They mirror the
 * database constraints (and add the ones the column types cannot say), so a bad event is caught here
 * with a clear reason instead of failing a whole batch in the database.
 *
 * <p>The checks are hand-written character scans equivalent to {@link #E164}, {@link #TWILIO_SID} and the
 * canonical UUID form: this runs for every record on the hot path, where regular expressions cost more
 * than decoding the Avro body.
 */
public final class EventValidator {
    /** Same pattern as the {@code *_phone_e164} check constraints (documentation; see {@link #isE164}). */
    public static final Pattern E164 = Pattern.compile("^\\+[1-9][0-9]{6,14}$");
    /** Twilio IncomingPhoneNumber SID: PN and 32 hex digits (documentation; see {@link #isTwilioSid}). */
    public static final Pattern TWILIO_SID = Pattern.compile("^PN[0-9a-fA-F]{32}$");

    /**
     * @return the row the event stands for
     * @throws InvalidEventException naming the first field that breaks the contract
     */
    public ProjectedRow validate(NumberProvisioned event) {
        UUID eventId = uuid("eventId", event.getEventId());
        UUID orgId = uuid("orgId", event.getOrgId());
        String phone = event.getPhoneNumber();
        if (!isE164(phone)) {
            throw new InvalidEventException("phoneNumber", "phoneNumber must be E.164 (+ and 7-15 digits), was '" + phone + "'");
        }
        String sid = event.getTwilioSid();
        if (!isTwilioSid(sid)) {
            throw new InvalidEventException("twilioSid", "twilioSid must be PN followed by 32 hex digits, was '" + sid + "'");
        }
        String vapiPhoneId = event.getVapiPhoneId();
        if (vapiPhoneId == null || vapiPhoneId.isBlank()) {
            throw new InvalidEventException("vapiPhoneId", "vapiPhoneId must not be blank: a number without its Vapi id"
                    + " is invisible to agent configuration");
        }
        if (event.getProvisionedAt() == null) {
            throw new InvalidEventException("provisionedAt", "provisionedAt is missing");
        }
        return new ProjectedRow(orgId, phone, vapiPhoneId, sid, eventId, event.getProvisionedAt().toEpochMilli(),
                event.getRequestId());
    }

    /**
     * @return the (released) row the release stands for: same checks as a provision, its version the releasedAt
     * @throws InvalidEventException naming the first field that breaks the contract
     */
    public ProjectedRow validate(NumberReleased event) {
        UUID eventId = uuid("eventId", event.getEventId());
        UUID orgId = uuid("orgId", event.getOrgId());
        String phone = event.getPhoneNumber();
        if (!isE164(phone)) {
            throw new InvalidEventException("phoneNumber", "phoneNumber must be E.164 (+ and 7-15 digits), was '" + phone + "'");
        }
        if (!isTwilioSid(event.getTwilioSid())) {
            throw new InvalidEventException("twilioSid", "twilioSid must be PN followed by 32 hex digits, was '"
                    + event.getTwilioSid() + "'");
        }
        if (event.getReleasedAt() == null) {
            throw new InvalidEventException("releasedAt", "releasedAt is missing");
        }
        String vapiPhoneId = event.getVapiPhoneId() == null ? "" : event.getVapiPhoneId();
        return new ProjectedRow(orgId, phone, vapiPhoneId, event.getTwilioSid(), eventId, event.getReleasedAt().toEpochMilli(),
                event.getRequestId(), true);
    }

    /** {@code ^\+[1-9][0-9]{6,14}$} */
    static boolean isE164(String s) {
        if (s == null || s.length() < 8 || s.length() > 16 || s.charAt(0) != '+' || s.charAt(1) < '1' || s.charAt(1) > '9') {
            return false;
        }
        for (int i = 2; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code ^PN[0-9a-fA-F]{32}$} */
    static boolean isTwilioSid(String s) {
        if (s == null || s.length() != 34 || s.charAt(0) != 'P' || s.charAt(1) != 'N') {
            return false;
        }
        for (int i = 2; i < 34; i++) {
            if (!isHex(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Canonical 8-4-4-4-12 hex form (UUID.fromString alone also accepts short groups like "1-2-3-4-5"). */
    static boolean isCanonicalUuid(String s) {
        if (s == null || s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean ok = (i == 8 || i == 13 || i == 18 || i == 23) ? c == '-' : isHex(c);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static UUID uuid(String field, String value) {
        if (!isCanonicalUuid(value)) {
            throw new InvalidEventException(field, field + " must be a UUID, was '" + value + "'");
        }
        return UUID.fromString(value);
    }
}

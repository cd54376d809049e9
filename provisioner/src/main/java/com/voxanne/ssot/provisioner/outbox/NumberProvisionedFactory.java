package com.voxanne.ssot.provisioner.outbox;

import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;

/** The one place a NumberProvisioned is made: from the managed number it announces. */
public final class NumberProvisionedFactory {
    public static final String EVENT_TYPE = "NumberProvisioned";

    private NumberProvisionedFactory() {
    }

    /**
     * The event of {@code number}. Its id is derived from the request, so the saga and any later re-emit of the same
     * number carry the same id; a legacy number without a request uses its managed row id in the request's place, so a
     * rerun of the re-emit emits the same id again.
     */
    public static NumberProvisioned from(ManagedNumber number) {
        return NumberProvisioned.newBuilder()
                .setEventId(eventId(number))
                .setRequestId(requestKey(number))
                .setOrgId(number.orgId())
                .setPhoneNumber(number.phoneNumber())
                .setTwilioSid(number.twilioSid())
                .setVapiPhoneId(number.vapiPhoneId())
                .setProvisionedAt(number.provisionedAt())
                .build();
    }

    /** The id {@link #from} gives the event of {@code number}. */
    public static String eventId(ManagedNumber number) {
        return EventIds.forRequest(requestKey(number), EVENT_TYPE);
    }

    private static String requestKey(ManagedNumber number) {
        return number.requestId() != null ? number.requestId() : number.id();
    }
}

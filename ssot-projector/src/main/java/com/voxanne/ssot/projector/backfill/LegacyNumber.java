package com.voxanne.ssot.projector.backfill;

import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.time.Instant;
import java.util.UUID;

/**
 * An active managed number with no SSOT row: paid for, live, and invisible to agent configuration (the
 * incident). {@code requestId} is null for numbers bought before requests were tracked.
 */
public record LegacyNumber(UUID id, UUID orgId, String phoneNumber, String twilioSid, String vapiPhoneId,
                           String requestId, Instant provisionedAt) {
    public static final String EVENT_TYPE = "NumberProvisioned";

    /**
     * The id its NumberProvisioned carries: the same id the provisioner gives the event of its request, or,
     * without a request, one derived from the managed row's id; either way a rerun emits the same id.
     */
    public String eventKey() {
        return requestId != null ? requestId : id.toString();
    }

    public NumberProvisioned toEvent() {
        return NumberProvisioned.newBuilder()
                .setEventId(EventIds.forRequest(eventKey(), EVENT_TYPE))
                .setRequestId(eventKey())
                .setOrgId(orgId.toString())
                .setPhoneNumber(phoneNumber)
                .setTwilioSid(twilioSid)
                .setVapiPhoneId(vapiPhoneId)
                .setProvisionedAt(provisionedAt)
                .build();
    }
}

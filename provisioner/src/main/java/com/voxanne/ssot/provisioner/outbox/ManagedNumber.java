package com.voxanne.ssot.provisioner.outbox;

import java.time.Instant;

/**
 * A row of {@code managed_phone_numbers}: what the final write inserts, and what the legacy re-emit reads back. Its
 * NumberProvisioned is made from it alone ({@link NumberProvisionedFactory}), so a field the event gains is read here.
 *
 * @param requestId the saga's request id; null for a number bought before requests were tracked
 */
public record ManagedNumber(String id, String orgId, String phoneNumber, String twilioSid, String vapiPhoneId,
                            String requestId, String friendlyName, Instant provisionedAt) {
}

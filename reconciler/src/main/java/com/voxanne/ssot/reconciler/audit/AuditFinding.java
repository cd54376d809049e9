package com.voxanne.ssot.reconciler.audit;

import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.schemas.Topics;
import java.time.Instant;

/**
 * One active managed number without a valid SSOT row, as the SQL audit finds it.
 *
 * @param observedVapiPhoneId the SSOT row's vapi_phone_id (null without a row or an id)
 * @param managedFlag         the SSOT row's is_managed (null without a row)
 */
public record AuditFinding(
        String orgId,
        String orgEmail,
        String phoneNumber,
        Compliance kind,
        String managedNumberId,
        String expectedVapiPhoneId,
        String observedVapiPhoneId,
        Boolean managedFlag,
        Instant provisionedAt) {

    /** The same key as the violations topic: {@code orgId|E.164}. */
    public String key() {
        return Topics.orgNumberKey(orgId, phoneNumber);
    }
}

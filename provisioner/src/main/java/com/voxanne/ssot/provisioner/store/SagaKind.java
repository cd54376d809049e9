package com.voxanne.ssot.provisioner.store;

/**
 * What a saga does, as stored in {@code provisioning_requests.kind} (migration V10). Both kinds share the table, the
 * inbox and the claim rule, so one organisation's provisions and releases run one at a time in arrival order.
 */
public enum SagaKind {
    /** A ProvisionNumberRequest: search, buy, import, record. */
    PROVISION,
    /** A ReleaseNumberRequest: validate, delete in Vapi, release in Twilio, mark released. */
    RELEASE
}

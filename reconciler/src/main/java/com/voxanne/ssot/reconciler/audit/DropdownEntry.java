package com.voxanne.ssot.reconciler.audit;

/**
 * One number the agent-configuration dropdown offers.
 *
 * @param stale true when no active managed number stands behind it (released, or none while the row says managed): a
 *              dead number in the dropdown, the {@code STALE_SSOT_ROW} violation once the grace passes
 */
public record DropdownEntry(String phoneNumber, String vapiPhoneId, String twilioSid, boolean managed, boolean stale) {
}

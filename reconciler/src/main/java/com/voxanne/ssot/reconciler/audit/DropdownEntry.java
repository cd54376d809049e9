package com.voxanne.ssot.reconciler.audit;

/** One number the agent-configuration dropdown offers. */
public record DropdownEntry(String phoneNumber, String vapiPhoneId, String twilioSid, boolean managed) {
}

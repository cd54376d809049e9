package com.voxanne.ssot.provisioner.twilio;

/** A number the vendor account owns: its SID (PN + 32 hex), E.164 and label. */
public record OwnedNumber(String sid, String phoneNumber, String friendlyName) {
}

package com.voxanne.ssot.provisioner.vapi;

/** A number imported into the voice-agent directory: its id there (may be blank in a bad answer), E.164 and name. */
public record ImportedNumber(String id, String number, String name, String status) {

    public boolean hasId() {
        return id != null && !id.isBlank();
    }
}

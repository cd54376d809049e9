package com.voxanne.ssot.projector.store;

/**
 * A {@code NumberProvisioned} event that breaks the contract (bad E.164, blank Vapi id, ...). It can
 * never be written, however often it is retried: it is a poison record for the dead-letter topic.
 */
public final class InvalidEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidEventException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The offending field of NumberProvisioned, e.g. {@code vapiPhoneId}. */
    public String field() {
        return field;
    }
}

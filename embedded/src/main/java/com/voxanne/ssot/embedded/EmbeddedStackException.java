package com.voxanne.ssot.embedded;

/** A part of the embedded stack (Kafka or PostgreSQL) failed to start, stop or answer; the message says which and where. */
public class EmbeddedStackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmbeddedStackException(String message) {
        super(message);
    }

    public EmbeddedStackException(String message, Throwable cause) {
        super(message, cause);
    }
}

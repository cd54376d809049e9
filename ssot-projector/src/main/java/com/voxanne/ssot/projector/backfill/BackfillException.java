package com.voxanne.ssot.projector.backfill;

/** A replay that could not finish (the database or broker stayed unreachable past the retry limit). */
public final class BackfillException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackfillException(String message, Throwable cause) {
        super(message, cause);
    }

    public BackfillException(String message) {
        super(message);
    }
}

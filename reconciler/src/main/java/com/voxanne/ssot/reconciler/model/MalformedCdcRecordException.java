package com.voxanne.ssot.reconciler.model;

/**
 * A CDC value that does not follow the relay's contract (not JSON, not an object, a required column
 * missing or of the wrong type). It names the table and the column, so the dead-letter header says what
 * to fix; the record itself is parked with its original bytes.
 */
public final class MalformedCdcRecordException extends RuntimeException {
    public MalformedCdcRecordException(String message) {
        super(message);
    }

    public MalformedCdcRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}

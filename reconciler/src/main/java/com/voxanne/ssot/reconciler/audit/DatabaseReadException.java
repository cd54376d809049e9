package com.voxanne.ssot.reconciler.audit;

/** A read-only audit query failed (database down, wrong schema): says which query, keeps the cause. */
public final class DatabaseReadException extends RuntimeException {
    public DatabaseReadException(String message, Throwable cause) {
        super(message, cause);
    }
}

package com.voxanne.ssot.provisioner.store;

/** The database could not be reached or the transaction was cut off: nothing was committed (or it is unknown); retry. */
public final class StoreUnavailableException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

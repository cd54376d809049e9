package com.voxanne.ssot.provisioner.store;

/** A database operation of the provisioner that did not happen. See the subclasses for what to do about it. */
public abstract class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

package com.voxanne.ssot.relay;

/** The relay did not start streaming within its start timeout; the message says what it was waiting for. */
public final class RelayStartException extends RuntimeException {
    public RelayStartException(String message) {
        super(message);
    }
}

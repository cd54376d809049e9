package com.voxanne.ssot.relay.engine;

/**
 * Kafka did not acknowledge a batch (error or timeout). Thrown out of the engine's batch handler so the
 * engine stops without marking the batch processed; the relay then restarts it with backoff and the
 * same changes are read again from the slot.
 */
public final class RelayWriteException extends RuntimeException {
    public RelayWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}

package com.voxanne.ssot.reconciler;

/** The reconciler could not start (Kafka unreachable, topics not co-partitioned, not RUNNING in time). */
public final class ReconcilerStartException extends RuntimeException {
    public ReconcilerStartException(String message) {
        super(message);
    }

    public ReconcilerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}

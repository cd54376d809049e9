package com.voxanne.ssot.projector.consumer;

/**
 * Where rejected records go. Must return only once the record is safe (parked on the dead-letter topic),
 * because the source offset is committed right after; throws otherwise, and the batch is retried.
 */
public interface RejectionHandler {
    void reject(Rejection rejection) throws InterruptedException;
}

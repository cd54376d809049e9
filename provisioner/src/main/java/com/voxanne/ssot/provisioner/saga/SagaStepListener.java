package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.store.SagaRecord;

/**
 * Called as a saga passes each {@link SagaCheckpoint}, on the worker thread. The fault-injection seam for crash
 * tests: a listener that throws an {@link Error} stops the service abruptly at that point, as a killed process would
 * (nothing more is written, the lease is not released; a new instance takes the saga over once the lease expires).
 * Production uses {@link #NONE}.
 */
@FunctionalInterface
public interface SagaStepListener {
    SagaStepListener NONE = (checkpoint, saga) -> { };

    void reached(SagaCheckpoint checkpoint, SagaRecord saga);
}

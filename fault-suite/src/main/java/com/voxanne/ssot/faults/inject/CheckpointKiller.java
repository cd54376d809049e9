package com.voxanne.ssot.faults.inject;

import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The provisioner's crash seam ({@link SagaStepListener}) as a one-shot trap: {@link #arm} a checkpoint and the first
 * saga of this instance to pass it kills the instance there, as {@code kill -9} at that line would. One per instance.
 */
public final class CheckpointKiller implements SagaStepListener {
    private final AtomicReference<SagaCheckpoint> armed = new AtomicReference<>();
    private final AtomicReference<SagaRecord> victim = new AtomicReference<>();
    private final CountDownLatch fired = new CountDownLatch(1);

    public void arm(SagaCheckpoint checkpoint) {
        armed.set(checkpoint);
    }

    /** Takes the trap away (nothing reached it in time). */
    public void disarm() {
        armed.set(null);
    }

    @Override
    public void reached(SagaCheckpoint checkpoint, SagaRecord saga) {
        if (armed.compareAndSet(checkpoint, null)) {
            victim.set(saga);
            fired.countDown();
            throw new SimulatedKill("at " + checkpoint + " (request " + saga.requestId() + ")");
        }
    }

    /** Waits until the trap has killed the instance; false if nothing reached the checkpoint within {@code timeout}. */
    public boolean awaitFired(Duration timeout) throws InterruptedException {
        return fired.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The saga that was being worked when the instance died. */
    public Optional<SagaRecord> victim() {
        return Optional.ofNullable(victim.get());
    }
}

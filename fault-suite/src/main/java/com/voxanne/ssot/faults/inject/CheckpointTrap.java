package com.voxanne.ssot.faults.inject;

import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The provisioner's step seam ({@link SagaStepListener}) as a one-shot trap: the first saga of this instance to pass
 * the armed checkpoint is hit there. {@link #armKill} kills the instance at that line, as {@code kill -9} would;
 * {@link #armStall} holds that worker still for a while (a GC pause, a stalled VM), so its lease runs out under it;
 * {@link #armAction} does something to the world at that moment (another buyer takes the chosen number). One per instance.
 */
public final class CheckpointTrap implements SagaStepListener {
    /** One arming of the trap: whether (and which saga) hit it. */
    public static final class Shot {
        private final SagaCheckpoint checkpoint;
        private final Consumer<SagaRecord> effect;
        private final CountDownLatch fired = new CountDownLatch(1);
        private final AtomicReference<SagaRecord> victim = new AtomicReference<>();

        private Shot(SagaCheckpoint checkpoint, Consumer<SagaRecord> effect) {
            this.checkpoint = checkpoint;
            this.effect = effect;
        }

        /** Waits until a saga hit the trap; false if nothing reached the checkpoint within {@code timeout}. */
        public boolean awaitFired(Duration timeout) throws InterruptedException {
            return fired.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The saga that hit the trap. */
        public Optional<SagaRecord> victim() {
            return Optional.ofNullable(victim.get());
        }
    }

    private final AtomicReference<Shot> armed = new AtomicReference<>();

    public Shot armKill(SagaCheckpoint checkpoint) {
        return arm(checkpoint, saga -> {
            throw new SimulatedKill("at " + checkpoint + " (request " + saga.requestId() + ")");
        });
    }

    /** The worker that reaches {@code checkpoint} stands still for {@code stall}, then goes on as if nothing happened. */
    public Shot armStall(SagaCheckpoint checkpoint, Duration stall) {
        return arm(checkpoint, saga -> {
            try {
                Thread.sleep(stall.toMillis()); // the fault itself: a worker frozen mid-step
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** {@code action} runs on the worker that reaches {@code checkpoint}, which then goes on. */
    public Shot armAction(SagaCheckpoint checkpoint, Consumer<SagaRecord> action) {
        return arm(checkpoint, action);
    }

    private Shot arm(SagaCheckpoint checkpoint, Consumer<SagaRecord> effect) {
        Shot shot = new Shot(checkpoint, effect);
        armed.set(shot);
        return shot;
    }

    /** Takes the trap away (nothing reached it in time). */
    public void disarm(Shot shot) {
        armed.compareAndSet(shot, null);
    }

    @Override
    public void reached(SagaCheckpoint checkpoint, SagaRecord saga) {
        Shot shot = armed.get();
        if (shot != null && shot.checkpoint == checkpoint && armed.compareAndSet(shot, null)) {
            shot.victim.set(saga);
            shot.fired.countDown();
            shot.effect.accept(saga);
        }
    }
}

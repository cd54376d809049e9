package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.platform.http.ComponentHealth;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the consumer loop says of itself, read by other threads for health: written only by the loop
 * thread, published through volatile fields.
 */
public final class ProjectorState {
    enum Phase { STARTING, RUNNING, RETRYING, STOPPED, FAILED }

    private final CountDownLatch firstAssignment = new CountDownLatch(1);
    private volatile Phase phase = Phase.STARTING;
    private volatile String reason = "starting";
    private volatile int assignedPartitions;
    private volatile long lag;
    private volatile Instant lastBatchAt;

    void assigned(int partitions) {
        assignedPartitions = partitions;
        firstAssignment.countDown();
    }

    void running() {
        if (!ended()) {
            phase = Phase.RUNNING;
            reason = null;
        }
    }

    void retrying(String why) {
        if (!ended()) {
            phase = Phase.RETRYING;
            reason = why;
        }
    }

    /** STOPPED and FAILED are final: what the loop's shutdown does after them (a revocation) must not hide why. */
    private boolean ended() {
        return phase == Phase.STOPPED || phase == Phase.FAILED;
    }

    void stopped() {
        if (phase == Phase.FAILED) {
            return;
        }
        phase = Phase.STOPPED;
        reason = "stopped";
        firstAssignment.countDown();
    }

    void failed(String why) {
        phase = Phase.FAILED;
        reason = why;
        firstAssignment.countDown();
    }

    void batchDone(long currentLag) {
        lastBatchAt = Instant.now();
        lag = currentLag;
    }

    void lag(long currentLag) {
        lag = currentLag;
    }

    /** Waits until the consumer has joined its group and got its first assignment (possibly empty). */
    public boolean awaitFirstAssignment(long timeout, TimeUnit unit) throws InterruptedException {
        return firstAssignment.await(timeout, unit) && (phase == Phase.RUNNING || phase == Phase.RETRYING
                || phase == Phase.STARTING);
    }

    public String reason() {
        return reason;
    }

    public ComponentHealth health() {
        Phase p = phase;
        return switch (p) {
            case RUNNING -> {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("assignedPartitions", assignedPartitions);
                details.put("lag", lag);
                if (lastBatchAt != null) {
                    details.put("lastBatchAt", lastBatchAt.toString());
                }
                yield ComponentHealth.up(details);
            }
            case RETRYING -> ComponentHealth.degraded(reason);
            case STARTING -> ComponentHealth.down("starting: joining consumer group");
            case STOPPED -> ComponentHealth.down("stopped");
            case FAILED -> ComponentHealth.down(reason);
        };
    }
}

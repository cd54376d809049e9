package com.voxanne.ssot.projector.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * What the loop is working on, shared by the poll loop and its rebalance listener (the listener runs inside
 * {@code poll}, on the loop thread, so nothing here is locked): two slots, {@code current} being written and
 * {@code next} waiting, the write in flight, and the {@link RetrySchedule} of a failing batch.
 */
final class BatchSlots {
    /** How long a revocation or a stop lets the batch being written finish. */
    static final Duration FINISH_WAIT = Duration.ofSeconds(30);

    private final ProjectorMetrics metrics;
    private final RetrySchedule retries;

    /** The batch being written, or written but not yet committed, or failed and waiting for its retry. */
    private PendingBatch current;
    private Future<BatchResult> write;
    /** The batch polled while {@code current} is being written. */
    private PendingBatch next;

    BatchSlots(ProjectorMetrics metrics, RetrySchedule retries) {
        this.metrics = metrics;
        this.retries = retries;
    }

    RetrySchedule retries() {
        return retries;
    }

    PendingBatch current() {
        return current;
    }

    /** True while no batch waits and the current one is not failing: the loop may take more records. */
    boolean wantsRecords() {
        return next == null && !retries.writeFailing();
    }

    boolean writeInFlight() {
        return write != null;
    }

    boolean writeFinished() {
        return write != null && write.isDone();
    }

    /** The current batch failed, is not being written again yet, and its backoff has passed. */
    boolean retryDue() {
        return current != null && write == null && retries.retryDue();
    }

    /** Takes {@code polled} as the batch that waits for the current one. */
    void hold(ConsumerRecords<byte[], byte[]> polled) {
        next = new PendingBatch(polled);
    }

    /** Moves the waiting batch into the current slot, if that is free; false when nothing moved. */
    boolean promoteNext() {
        if (current != null || next == null) {
            return false;
        }
        current = next;
        next = null;
        return true;
    }

    void writeStarted(Future<BatchResult> write) {
        this.write = write;
    }

    /**
     * Waits up to {@code timeout} for the write of the current batch; once its transaction committed, the batch is
     * marked written (only its offsets are left) and recorded in the metrics.
     *
     * @throws ExecutionException the write failed (it is no longer in flight)
     * @throws TimeoutException   still being written
     */
    BatchResult awaitWritten(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
        BatchResult result;
        try {
            result = write.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            write = null;
            throw e;
        }
        write = null;
        current.markWritten();
        metrics.written(result.counts(), result.records(), result.latency());
        return result;
    }

    /** Waits up to {@code timeout} for the write in flight to end, whichever way: the loop's next step handles it. */
    void awaitWriteEnd(Duration timeout) throws InterruptedException {
        try {
            write.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // not done yet, or failed: the next step handles it
        }
    }

    /** The current batch is finished with (committed, or left to the new owner of its partitions). */
    void clearCurrent() {
        current = null;
    }

    /**
     * Forgets the records of partitions this instance no longer owns; their new owner redoes them (idempotent). A
     * batch still being written keeps running: only its kept partitions get their offsets committed.
     */
    void drop(Collection<TopicPartition> partitions) {
        if (next != null) {
            next.drop(partitions);
            if (next.isEmpty()) {
                next = null;
            }
        }
        if (current != null) {
            current.drop(partitions);
            if (current.isEmpty() && write == null) {
                current = null;
            }
        }
        if (current == null && next == null) {
            retries.batchAbandoned();
        }
    }
}

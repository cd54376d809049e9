package com.voxanne.ssot.projector.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps both slots consistent with what this instance owns. Runs on the loop thread, inside poll: before partitions
 * go, a written batch's offsets for them are committed (the write in flight is given
 * {@link BatchSlots#FINISH_WAIT} to finish); unwritten records of partitions that went are dropped and redone by the
 * new owner (the write is idempotent).
 */
final class RebalanceHandler implements ConsumerRebalanceListener {
    // the loop's log category, which operators already filter on
    private static final Logger log = LoggerFactory.getLogger(ProjectorWorker.class);

    private final Consumer<byte[], byte[]> consumer;
    private final BatchSlots slots;
    private final ProjectorState state;
    private final String topic;

    RebalanceHandler(Consumer<byte[], byte[]> consumer, BatchSlots slots, ProjectorState state, String topic) {
        this.consumer = consumer;
        this.slots = slots;
        this.state = state;
        this.topic = topic;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        if (revoked.isEmpty()) {
            return;
        }
        PendingBatch current = slots.current();
        if (current != null) {
            awaitWriteBeforeRevocation(current);
            if (current.written()) {
                Map<TopicPartition, OffsetAndMetadata> done = current.offsets(revoked);
                if (!done.isEmpty()) {
                    try {
                        consumer.commitSync(done);
                    } catch (KafkaException e) {
                        log.warn("offsets {} of a written SSOT batch not committed on revocation; the new owner"
                                + " redoes them idempotently", done, e);
                    }
                }
            }
        }
        slots.drop(revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
        slots.drop(lost);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        if (!slots.wantsRecords() && !assigned.isEmpty()) {
            consumer.pause(assigned);
        }
        if (slots.retries().healthy()) {
            state.running();
        }
        state.assigned(consumer.assignment().size());
        log.info("SSOT projector assigned {} (now owns {} partitions of {})", assigned, consumer.assignment().size(),
                topic);
    }

    private void awaitWriteBeforeRevocation(PendingBatch current) {
        if (!slots.writeInFlight()) {
            return;
        }
        try {
            slots.awaitWritten(BatchSlots.FINISH_WAIT);
        } catch (ExecutionException e) {
            slots.retries().writeFailed("writing batch of " + current, e.getCause());
        } catch (TimeoutException e) {
            log.warn("SSOT batch of {} still being written after {} s at revocation; its revoked partitions are"
                    + " redone by their new owner (idempotent)", current, BatchSlots.FINISH_WAIT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }
}

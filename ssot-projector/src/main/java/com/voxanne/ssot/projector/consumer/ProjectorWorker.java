package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.platform.config.Redactor;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projector's consumer loop. A KafkaConsumer is single-threaded, so this loop owns it; the SSOT
 * transaction of each batch runs on one writer thread, so that polling and decoding batch N+1 overlap with
 * writing batch N (two slots: {@code current} being written, {@code next} waiting). Batches are written one
 * at a time, in poll order.
 *
 * <p>The rules that make the write mandatory:
 * <ul>
 *   <li>a batch's offsets are committed ({@code commitSync}, explicit offsets) only after its transaction
 *       commits, and the next batch is written only after that;</li>
 *   <li>when a batch fails for a reason that is not its data (database down, broker unreachable for the
 *       commit), every assigned partition is paused, {@code poll} keeps being called (the consumer stays in
 *       its group) and the SAME batch is retried with capped exponential backoff until it succeeds: nothing
 *       is ever skipped. Health is DEGRADED with the reason meanwhile;</li>
 *   <li>on rebalance, a written batch's offsets are committed before its partitions go; unwritten records
 *       of revoked partitions are dropped and redone by the new owner (the write is idempotent).</li>
 * </ul>
 *
 * <p>This class is the loop itself; the slots it works on are {@link BatchSlots} (shared with the
 * {@link RebalanceHandler}), retries are timed by {@link RetrySchedule}, and writes run on the {@link WriterThread}.
 */
public final class ProjectorWorker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ProjectorWorker.class);
    /** Poll timeout while a batch is being written and the next slot is free. */
    private static final Duration SHORT_POLL = Duration.ofMillis(10);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Duration pollTimeout;
    private final ProjectorMetrics metrics;
    private final ProjectorState state;
    private final Redactor redactor;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final WriterThread writer;
    private final RetrySchedule retries;
    private final BatchSlots slots;
    private volatile boolean running = true;

    public ProjectorWorker(Consumer<byte[], byte[]> consumer, String topic, BatchProcessor processor, LoopSettings loop,
                           ProjectorMetrics metrics, ProjectorState state, Redactor redactor, String threadName) {
        this.consumer = consumer;
        this.topic = topic;
        this.pollTimeout = loop.pollTimeout();
        this.metrics = metrics;
        this.state = state;
        this.redactor = redactor;
        this.writer = new WriterThread(processor, loop.batchDelay(), stopSignal, topic, threadName);
        this.retries = new RetrySchedule(topic, loop.retry(), loop.deadLetterAttempts(), metrics, state, redactor);
        this.slots = new BatchSlots(metrics, retries);
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic), new RebalanceHandler(consumer, slots, state, topic));
            while (running) {
                step();
            }
            state.stopped();
        } catch (WakeupException e) {
            if (running) {
                state.failed("consumer woken up unexpectedly");
                log.error("SSOT projector loop on {} woken up while running; stopping", topic, e);
            } else {
                state.stopped();
            }
        } catch (InterruptException e) {
            Thread.currentThread().interrupt();
            state.stopped();
            log.info("SSOT projector loop on {} interrupted; stopping without committing unfinished work", topic);
        } catch (RetrySchedule.DeadLettersRefusedException e) {
            state.failed(e.getMessage());
            log.error("SSOT projector loop on {} {}", topic, e.getMessage());
        } catch (RuntimeException | Error e) {
            state.failed("consumer loop died: " + redactor.describe(e));
            log.error("SSOT projector loop on {} died; uncommitted work will be redone on restart", topic, e);
        } finally {
            finishCurrentWrite();
            writer.stop(BatchSlots.FINISH_WAIT);
            closeConsumer();
        }
    }

    /** Asks the loop to stop: the batch being written is finished and committed, nothing else is. */
    public void stop() {
        running = false;
        stopSignal.countDown();
        consumer.wakeup();
    }

    private void step() {
        if (slots.writeFinished()) {
            completeWrite();
        }
        if (slots.promoteNext()) {
            submit();
        } else if (slots.retryDue()) {
            retry();
        }
        boolean wantRecords = slots.wantsRecords();
        setPaused(!wantRecords);
        if (!wantRecords) {
            waitForCurrent(); // nothing to fetch: wait for the write or its retry time, then poll to stay in the group
        }
        ConsumerRecords<byte[], byte[]> polled = poll(!wantRecords ? Duration.ZERO
                : slots.current() == null ? pollTimeout : SHORT_POLL);
        if (polled.isEmpty()) {
            return;
        }
        if (wantRecords) {
            slots.hold(polled);
        } else {
            rewind(polled);
        }
    }

    private ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        ConsumerRecords<byte[], byte[]> polled;
        try {
            polled = consumer.poll(timeout);
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            waitQuietly(retries.pollFailed(e));
            return ConsumerRecords.empty();
        }
        retries.pollWorked();
        long lag = currentLag();
        metrics.lag(lag);
        state.lag(lag);
        return polled;
    }

    private void submit() {
        slots.writeStarted(writer.submit(slots.current().records()));
    }

    private void retry() {
        if (slots.current().written()) {
            commitCurrent(); // the transaction committed; only the offsets are left
        } else {
            submit();
        }
    }

    /** The write finished: commit its offsets, or schedule its retry. */
    private void completeWrite() {
        BatchResult result;
        try {
            result = slots.awaitWritten(Duration.ZERO);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InterruptedException && !running) {
                return; // stopping: not written, not committed, redone after restart
            }
            retries.writeFailed("writing batch of " + slots.current(), cause);
            retries.requireDeadLettersTaken(); // a dead-letter topic that keeps refusing stops the loop
            return;
        } catch (TimeoutException e) {
            return; // not finished after all: the next step looks again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
        log.debug("SSOT batch of {} written: {} ({} dead-lettered) in {} ms", slots.current(), result.counts(),
                result.rejected(), result.latency().toMillis());
        commitCurrent();
    }

    private void commitCurrent() {
        PendingBatch current = slots.current();
        try {
            consumer.commitSync(current.offsets());
        } catch (CommitFailedException e) {
            log.warn("SSOT batch of {} written but its offsets not committed: the group rebalanced; the new owner"
                    + " redoes it idempotently", current, e);
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            retries.writeFailed("committing offsets of written batch of " + current, e);
            return;
        }
        slots.clearCurrent();
        retries.batchDone();
    }

    private void waitForCurrent() {
        if (slots.writeInFlight()) {
            try {
                slots.awaitWriteEnd(pollTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        } else if (slots.current() != null) {
            long untilRetry = retries.nanosUntilRetry();
            if (untilRetry > 0) {
                waitQuietly(Duration.ofNanos(Math.min(untilRetry, pollTimeout.toNanos())));
            }
        }
    }

    private void setPaused(boolean paused) {
        if (paused) {
            if (consumer.paused().size() < consumer.assignment().size()) {
                consumer.pause(consumer.assignment());
            }
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    /** Records returned when none were wanted (a partition assigned mid-step) are sought back: nothing is lost. */
    private void rewind(ConsumerRecords<byte[], byte[]> polled) {
        for (TopicPartition tp : polled.partitions()) {
            consumer.seek(tp, polled.records(tp).get(0).offset());
        }
        consumer.pause(polled.partitions());
    }

    private long currentLag() {
        long total = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) {
                total += lag.getAsLong();
            }
        }
        return total;
    }

    private void waitQuietly(Duration delay) {
        try {
            stopSignal.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /** On stop: let the batch being written finish and commit its offsets, so a restart redoes less. */
    private void finishCurrentWrite() {
        PendingBatch current = slots.current();
        if (!slots.writeInFlight() || current == null) {
            return;
        }
        try {
            slots.awaitWritten(BatchSlots.FINISH_WAIT);
            try {
                consumer.commitSync(current.offsets());
            } catch (WakeupException e) {
                consumer.commitSync(current.offsets()); // the wakeup of stop() was still pending
            }
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            log.info("SSOT batch of {} not committed on stop ({}); it is redone, idempotently, after restart", current,
                    redactor.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeConsumer() {
        try {
            consumer.close(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            log.warn("SSOT projector consumer on {} did not close cleanly", topic, e);
        }
    }
}

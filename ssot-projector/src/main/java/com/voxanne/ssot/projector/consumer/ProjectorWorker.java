package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 */
public final class ProjectorWorker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ProjectorWorker.class);
    /** Poll timeout while a batch is being written and the next slot is free. */
    private static final Duration SHORT_POLL = Duration.ofMillis(10);
    private static final Duration REVOKE_WAIT = Duration.ofSeconds(30);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final BatchProcessor processor;
    private final Backoff backoff;
    private final Duration pollTimeout;
    private final Duration batchDelay;
    private final ProjectorMetrics metrics;
    private final ProjectorState state;
    private final Redactor redactor;
    private final ExecutorService writer;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private volatile boolean running = true;

    /** The batch being written, or written but not yet committed, or failed and waiting for its retry. */
    private PendingBatch current;
    private Future<BatchResult> write;
    /** The batch polled while {@code current} is being written. */
    private PendingBatch next;
    private int failedAttempts;
    private Instant failingSince;
    private long retryAtNanos;
    private int pollFailures;

    /**
     * @param batchDelay testing/demo knob: wait this long before writing each batch (PROJECTOR_BATCH_DELAY)
     */
    public ProjectorWorker(Consumer<byte[], byte[]> consumer, String topic, BatchProcessor processor, Backoff backoff,
                           Duration pollTimeout, Duration batchDelay, ProjectorMetrics metrics, ProjectorState state,
                           Redactor redactor, String threadName) {
        this.consumer = consumer;
        this.topic = topic;
        this.processor = processor;
        this.backoff = backoff;
        this.pollTimeout = pollTimeout;
        this.batchDelay = batchDelay;
        this.metrics = metrics;
        this.state = state;
        this.redactor = redactor;
        this.writer = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName + "-writer"));
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
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
        } catch (RuntimeException | Error e) {
            state.failed("consumer loop died: " + redactor.describe(e));
            log.error("SSOT projector loop on {} died; uncommitted work will be redone on restart", topic, e);
        } finally {
            finishCurrentWrite();
            stopWriter();
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
        if (write != null && write.isDone()) {
            completeWrite();
        }
        if (current == null && next != null) {
            current = next;
            next = null;
            submit();
        } else if (current != null && write == null && System.nanoTime() >= retryAtNanos) {
            retry();
        }
        boolean wantRecords = next == null && failedAttempts == 0;
        setPaused(!wantRecords);
        if (!wantRecords) {
            waitForCurrent(); // nothing to fetch: wait for the write or its retry time, then poll to stay in the group
        }
        ConsumerRecords<byte[], byte[]> polled = poll(!wantRecords ? Duration.ZERO : current == null ? pollTimeout : SHORT_POLL);
        if (polled.isEmpty()) {
            return;
        }
        if (wantRecords && next == null) {
            next = new PendingBatch(polled);
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
            pollFailed(e);
            return ConsumerRecords.empty();
        }
        if (pollFailures > 0) {
            log.info("SSOT projector polling {} works again after {} failures", topic, pollFailures);
            pollFailures = 0;
            if (failedAttempts == 0) {
                state.running();
            }
        }
        long lag = currentLag();
        metrics.lag(lag);
        state.lag(lag);
        return polled;
    }

    private void submit() {
        List<ConsumerRecord<byte[], byte[]>> records = current.records();
        write = writer.submit(() -> {
            if (!batchDelay.isZero() && stopSignal.await(batchDelay.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new InterruptedException("stopping during the batch delay");
            }
            return processor.process(records);
        });
    }

    private void retry() {
        if (current.written()) {
            commitCurrent(); // the transaction committed; only the offsets are left
        } else {
            submit();
        }
    }

    /** The write finished: commit its offsets, or schedule its retry. */
    private void completeWrite() {
        BatchResult result;
        try {
            result = write.get();
        } catch (ExecutionException e) {
            write = null;
            Throwable cause = e.getCause();
            if (cause instanceof InterruptedException && !running) {
                return; // stopping: not written, not committed, redone after restart
            }
            failed("writing batch of " + current, cause);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
        write = null;
        current.markWritten();
        metrics.written(result.counts(), result.records(), result.latency());
        log.debug("SSOT batch of {} written: {} ({} dead-lettered) in {} ms", current, result.counts(),
                result.rejected(), result.latency().toMillis());
        commitCurrent();
    }

    private void commitCurrent() {
        try {
            consumer.commitSync(current.offsets());
        } catch (CommitFailedException e) {
            log.warn("SSOT batch of {} written but its offsets not committed: the group rebalanced; the new owner"
                    + " redoes it idempotently", current, e);
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            failed("committing offsets of written batch of " + current, e);
            return;
        }
        current = null;
        succeeded();
    }

    private void succeeded() {
        if (failedAttempts > 0) {
            log.info("SSOT write on {} recovered after {} failed attempts ({} s)", topic, failedAttempts,
                    Duration.between(failingSince, Instant.now()).toSeconds());
        }
        failedAttempts = 0;
        failingSince = null;
        state.running();
        state.batchDone(metrics.lag());
    }

    private void failed(String what, Throwable e) {
        if (failedAttempts == 0) {
            failingSince = Instant.now();
            metrics.writeFailing();
            log.warn("SSOT projector failed {}: pausing consumption of {} and retrying the same batch with backoff"
                    + " (never skipped)", what, topic, e);
        } else {
            log.debug("SSOT projector retry {} failed {}: {}", failedAttempts, what, redactor.describe(e));
        }
        metrics.retried();
        Duration delay = backoff.delay(failedAttempts);
        failedAttempts++;
        retryAtNanos = System.nanoTime() + delay.toNanos();
        state.retrying("SSOT write failing since " + failingSince + " (" + failedAttempts + " attempts, next in "
                + delay.toMillis() + " ms) while " + what + ": " + redactor.describe(e));
    }

    private void pollFailed(KafkaException e) {
        Duration delay = backoff.delay(pollFailures);
        if (pollFailures++ == 0) {
            log.warn("SSOT projector cannot poll {}; retrying with backoff", topic, e);
        }
        state.retrying("polling " + topic + " failing (" + pollFailures + " attempts): " + redactor.describe(e));
        waitQuietly(delay);
    }

    private void waitForCurrent() {
        if (write != null) {
            try {
                write.get(pollTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // not done yet, or failed: the next step handles it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        } else if (current != null) {
            long untilRetry = retryAtNanos - System.nanoTime();
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
        if (write == null || current == null) {
            return;
        }
        try {
            BatchResult result = write.get(REVOKE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            current.markWritten();
            metrics.written(result.counts(), result.records(), result.latency());
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

    private void stopWriter() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(REVOKE_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("SSOT projector writer on {} still busy after {} s; interrupting it", topic, REVOKE_WAIT.toSeconds());
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
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

    /** Keeps both slots consistent with what this instance owns. Runs on the loop thread, inside poll. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (revoked.isEmpty()) {
                return;
            }
            if (current != null) {
                awaitWriteBeforeRevocation();
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
            drop(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            drop(lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if ((next != null || failedAttempts > 0) && !assigned.isEmpty()) {
                consumer.pause(assigned);
            }
            if (failedAttempts == 0 && pollFailures == 0) {
                state.running();
            }
            state.assigned(consumer.assignment().size());
            log.info("SSOT projector assigned {} (now owns {} partitions of {})", assigned, consumer.assignment().size(),
                    topic);
        }

        private void awaitWriteBeforeRevocation() {
            if (write == null) {
                return;
            }
            try {
                BatchResult result = write.get(REVOKE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                write = null;
                current.markWritten();
                metrics.written(result.counts(), result.records(), result.latency());
            } catch (ExecutionException e) {
                write = null;
                failed("writing batch of " + current, e.getCause());
            } catch (TimeoutException e) {
                log.warn("SSOT batch of {} still being written after {} s at revocation; its revoked partitions are"
                        + " redone by their new owner (idempotent)", current, REVOKE_WAIT.toSeconds());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }

        private void drop(Collection<TopicPartition> partitions) {
            if (next != null) {
                next.drop(partitions);
                if (next.isEmpty()) {
                    next = null;
                }
            }
            if (current != null) {
                // a batch still being written keeps running; only its kept partitions get their offsets committed
                current.drop(partitions);
                if (current.isEmpty() && write == null) {
                    current = null;
                }
            }
            if (current == null && next == null && failedAttempts > 0) {
                failedAttempts = 0;
                failingSince = null;
                state.running();
            }
        }
    }
}

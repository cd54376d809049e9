package com.voxanne.ssot.projector.consumer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that runs the SSOT transaction of each batch, so that the loop polls and decodes the next batch
 * meanwhile. The loop submits a batch only once the previous one is finished with, so batches are still written one at
 * a time, in poll order.
 */
final class WriterThread {
    // the loop's log category, which operators already filter on
    private static final Logger log = LoggerFactory.getLogger(ProjectorWorker.class);

    private final ExecutorService thread;
    private final BatchProcessor processor;
    private final Duration batchDelay;
    private final CountDownLatch stopSignal;
    private final String topic;

    /**
     * @param batchDelay testing/demo knob: wait this long before writing each batch (PROJECTOR_BATCH_DELAY)
     * @param stopSignal counted down on stop: cuts a batch delay short
     */
    WriterThread(BatchProcessor processor, Duration batchDelay, CountDownLatch stopSignal, String topic,
                 String threadName) {
        this.processor = processor;
        this.batchDelay = batchDelay;
        this.stopSignal = stopSignal;
        this.topic = topic;
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName + "-writer"));
    }

    Future<BatchResult> submit(List<ConsumerRecord<byte[], byte[]>> records) {
        return thread.submit(() -> {
            if (!batchDelay.isZero() && stopSignal.await(batchDelay.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new InterruptedException("stopping during the batch delay");
            }
            return processor.process(records);
        });
    }

    /** Lets the batch being written finish for up to {@code patience}, then interrupts it. */
    void stop(Duration patience) {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(patience.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("SSOT projector writer on {} still busy after {} s; interrupting it", topic,
                        patience.toSeconds());
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

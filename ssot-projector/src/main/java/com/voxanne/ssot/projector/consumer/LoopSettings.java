package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.platform.retry.Backoff;
import java.time.Duration;

/**
 * What the consumer loop is told by the projector's settings.
 *
 * @param retry              backoff of a failing batch (the same batch, never skipped)
 * @param pollTimeout        longest wait in one poll
 * @param batchDelay         testing/demo knob: wait this long before writing each batch (PROJECTOR_BATCH_DELAY)
 * @param deadLetterAttempts tries of a batch whose dead letter Kafka refuses before the loop stops (health DOWN)
 */
public record LoopSettings(Backoff retry, Duration pollTimeout, Duration batchDelay, int deadLetterAttempts) {
}

package com.voxanne.ssot.platform.kafka;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.schemas.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Parks a record that cannot be processed on {@code <topic>.dlq}: the original key and value bytes
 * untouched, and why in headers. {@link #park} returns only once the broker has the record, so the
 * caller may then commit the source offset: nothing is lost.
 */
public final class DeadLetters {
    public static final String H_ERROR_CLASS = "dlq.error.class";
    public static final String H_ERROR_MESSAGE = "dlq.error.message";
    public static final String H_STAGE = "dlq.stage";
    public static final String H_SOURCE_TOPIC = "dlq.source.topic";
    public static final String H_SOURCE_PARTITION = "dlq.source.partition";
    public static final String H_SOURCE_OFFSET = "dlq.source.offset";

    private final Producer<byte[], byte[]> producer;
    private final Redactor redactor;
    private final Duration timeout;
    private final Consumer<String> parked;

    public DeadLetters(Producer<byte[], byte[]> producer, Redactor redactor, Duration timeout) {
        this(producer, redactor, timeout, topic -> { });
    }

    private DeadLetters(Producer<byte[], byte[]> producer, Redactor redactor, Duration timeout, Consumer<String> parked) {
        this.producer = producer;
        this.redactor = redactor;
        this.timeout = timeout;
        this.parked = parked;
    }

    /**
     * The same, counting every record it parks in {@value Metrics#DEAD_LETTERS}{@code {service, topic}}; the counter of
     * each of {@code sourceTopics}' dead-letter topics is made now, at 0, so that Prometheus sees the first one as an
     * increase.
     */
    public DeadLetters counted(MeterRegistry registry, String service, String... sourceTopics) {
        for (String source : sourceTopics) {
            Metrics.deadLetters(registry, service, topicFor(source));
        }
        return new DeadLetters(producer, redactor, timeout, topic -> Metrics.deadLetters(registry, service, topic).increment());
    }

    /** Where records of {@code sourceTopic} are parked (the contract's {@link Topic#dlqOf} name). */
    public static String topicFor(String sourceTopic) {
        return Topic.dlqOf(sourceTopic);
    }

    /**
     * @param stage  where it failed (e.g. "decode", "validate", a failurePoint)
     * @param reason what was wrong, for an operator (redacted here)
     * @param error  the exception class name to record (may be null)
     */
    public void park(ConsumerRecord<byte[], byte[]> source, String stage, String reason, String error)
            throws InterruptedException {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topicFor(source.topic()), null, source.key(), source.value());
        Headers h = out.headers();
        source.headers().forEach(h::add);
        put(h, H_ERROR_CLASS, error == null ? "" : error);
        put(h, H_ERROR_MESSAGE, redactor.redact(reason == null ? "" : truncate(reason, 2000)));
        put(h, H_STAGE, stage);
        put(h, H_SOURCE_TOPIC, source.topic());
        put(h, H_SOURCE_PARTITION, Integer.toString(source.partition()));
        put(h, H_SOURCE_OFFSET, Long.toString(source.offset()));
        try {
            producer.send(out).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            parked.accept(out.topic());
        } catch (ExecutionException | TimeoutException e) {
            throw new DeadLetterException("could not park " + source.topic() + "-" + source.partition() + "@" + source.offset()
                    + " on " + topicFor(source.topic()), e);
        }
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /**
     * Consecutive tries of one batch that failed because the dead-letter topic refused a record (too large, no topic, no
     * ACL). A consumer that retries the batch forever would stall every partition behind a DEGRADED health; after
     * {@code maxAttempts} it stops instead, with {@link #reason}, still committing nothing (the next start retries the
     * batch). Any other failure, or a success, starts the count again. Used on the consumer's own thread.
     */
    public static final class RefusalStreak {
        private final String sourceTopic;
        private final String setting;
        private final int maxAttempts;
        private final Redactor redactor;
        private int refusals;
        private String last;

        /** @param setting the variable that sets {@code maxAttempts}, named in the reason */
        public RefusalStreak(String sourceTopic, String setting, int maxAttempts, Redactor redactor) {
            this.sourceTopic = sourceTopic;
            this.setting = setting;
            this.maxAttempts = maxAttempts;
            this.redactor = redactor;
        }

        /** Counts a failed try of the batch; true when the dead-letter topic has now refused it {@code maxAttempts} times. */
        public boolean failedAndExhausted(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof DeadLetterException) {
                    refusals++;
                    last = redactor.describe(t);
                    return refusals >= maxAttempts;
                }
            }
            reset();
            return false;
        }

        public void reset() {
            refusals = 0;
            last = null;
        }

        /** Why the consumer stopped, for its health and log. */
        public String reason() {
            return "stopped: the dead-letter topic of " + sourceTopic + " refused this batch's rejected records " + refusals
                    + " times (" + setting + "=" + maxAttempts + "); nothing was skipped or committed, the batch is tried"
                    + " again on restart. Check the dead-letter topic (exists, max.message.bytes, ACLs): " + last;
        }
    }

    /** The dead-letter topic could not take the record: the caller must not commit the source offset. */
    public static final class DeadLetterException extends RuntimeException {
        public DeadLetterException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

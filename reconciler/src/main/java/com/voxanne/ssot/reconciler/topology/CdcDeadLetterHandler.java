package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parks an input record that cannot be read (not JSON, a required column missing, ...) on
 * {@code <topic>.dlq} with its original key and value bytes and the platform's {@code dlq.*} headers,
 * then lets the stream go on. Kafka Streams writes the dead letter in the same transaction as the
 * input offset (exactly-once), so the record is either parked or still unread: never lost.
 *
 * <p>Configured by class name; takes the {@link Redactor} and an optional failure counter from the
 * Streams config under {@link #REDACTOR_CONFIG} and {@link #ON_PARKED_CONFIG}.
 */
public final class CdcDeadLetterHandler implements DeserializationExceptionHandler {
    public static final String REDACTOR_CONFIG = "ssot.reconciler.dlq.redactor";
    public static final String ON_PARKED_CONFIG = "ssot.reconciler.dlq.on-parked";
    public static final String STAGE = "reconciler.deserialize";
    private static final Logger log = LoggerFactory.getLogger(CdcDeadLetterHandler.class);

    private Redactor redactor = Redactor.none();
    private Consumer<String> onParked = topic -> { };

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        if (configs.get(REDACTOR_CONFIG) instanceof Redactor r) {
            redactor = r;
        }
        Object callback = configs.get(ON_PARKED_CONFIG);
        if (callback instanceof Consumer<?> c) {
            onParked = (Consumer<String>) c;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String reason = redactor.describe(exception);
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        log.error("Unreadable CDC record parked on {}: key={} topic={} partition={} offset={} reason={}",
                DeadLetters.topicFor(record.topic()), redactor.redact(key), record.topic(), record.partition(),
                record.offset(), reason);
        ProducerRecord<byte[], byte[]> parked = new ProducerRecord<>(DeadLetters.topicFor(record.topic()), null,
                record.key(), record.value());
        Headers headers = parked.headers();
        record.headers().forEach(headers::add);
        put(headers, DeadLetters.H_ERROR_CLASS, exception.getClass().getName());
        put(headers, DeadLetters.H_ERROR_MESSAGE, truncate(reason, 2000));
        put(headers, DeadLetters.H_STAGE, STAGE);
        put(headers, DeadLetters.H_SOURCE_TOPIC, record.topic());
        put(headers, DeadLetters.H_SOURCE_PARTITION, Integer.toString(record.partition()));
        put(headers, DeadLetters.H_SOURCE_OFFSET, Long.toString(record.offset()));
        onParked.accept(record.topic());
        return Response.resume(List.of(parked));
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}

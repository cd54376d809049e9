package com.voxanne.ssot.relay.engine;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Parks a change the relay cannot route ({@link UnexpectedRecordException}) on {@code <topic>.dlq}, instead of
 * stopping the engine on it forever while PostgreSQL keeps the WAL behind it. The record goes out in its batch, in
 * order, and the batch (so the slot position) is acknowledged only once Kafka has the dead letter too: nothing is
 * skipped, and a dead-letter topic that cannot take it stops the relay exactly like any failed send.
 *
 * <p>Key and value are the change as JSON (Connect's converter, without schemas; bytes in base64), with the platform's
 * {@code dlq.*} headers: why (redacted), stage {@value #STAGE}, the source topic, and the WAL position.
 */
final class RelayDeadLetters {
    static final String STAGE = "relay-route";
    static final String H_SOURCE_POSITION = "dlq.source.position";
    static final String TABLE = "dead-letter";

    private final JsonConverter keys = converter(true);
    private final JsonConverter values = converter(false);
    private final Redactor redactor;

    RelayDeadLetters(Redactor redactor) {
        this.redactor = redactor;
    }

    RelayRecord park(SourceRecord source, UnexpectedRecordException why, long sourceTsMicros) {
        String topic = DeadLetters.topicFor(source.topic());
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null,
                keys.fromConnectData(source.topic(), source.keySchema(), source.key()),
                values.fromConnectData(source.topic(), source.valueSchema(), source.value()));
        Headers h = out.headers();
        add(h, DeadLetters.H_ERROR_CLASS, why.getClass().getName());
        add(h, DeadLetters.H_ERROR_MESSAGE, redactor.redact(why.getMessage()));
        add(h, DeadLetters.H_STAGE, STAGE);
        add(h, DeadLetters.H_SOURCE_TOPIC, source.topic());
        add(h, H_SOURCE_POSITION, String.valueOf(source.sourceOffset()));
        return new RelayRecord(out, TABLE, sourceTsMicros, "unroutable change parked on " + topic + ": "
                + redactor.redact(why.getMessage()));
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
    }

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), isKey);
        return converter;
    }
}

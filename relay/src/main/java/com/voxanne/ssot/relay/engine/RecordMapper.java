package com.voxanne.ssot.relay.engine;

import com.voxanne.ssot.relay.config.RelayConnectorConfig;
import com.voxanne.ssot.relay.config.RelaySettings.RoutedTopics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.ConverterConfig;
import org.apache.kafka.connect.storage.ConverterType;

/**
 * Turns a transformed Debezium record into the bytes the contract puts on Kafka. What the Connect
 * converters do in a Connect deployment, this does in the embedded engine:
 * <ul>
 *   <li>outbox events: key orgId as UTF-8, value the payload bytes untouched, headers as UTF-8; the trace context
 *       headers ({@code traceparent}, {@code tracestate}) only when the row has them (a row with null columns, e.g. a
 *       backfill's re-emit, gets no such header rather than an empty one);</li>
 *   <li>table rows: key {@code "orgId|phone"} from the {@code (org_id, phone_number)} key struct, value
 *       the flattened row as schemaless JSON (Kafka's {@link JsonConverter}, as under Connect), a
 *       tombstone stays a tombstone;</li>
 *   <li>heartbeats: not published ({@link Optional#empty()}), but still acknowledged by the caller so
 *       the slot advances.</li>
 * </ul>
 * Anything else is a configuration error and fails loudly ({@link UnexpectedRecordException}).
 */
public final class RecordMapper {
    public static final String TABLE_OUTBOX = "outbox";
    public static final String TABLE_MANAGED_NUMBERS = "managed_phone_numbers";
    public static final String TABLE_ORG_CREDENTIALS = "org_credentials";
    /** Separator of the CDC key, as in {@code Topics.orgNumberKey}. */
    public static final String KEY_SEPARATOR = "|";

    private final RoutedTopics topics;
    private final String heartbeatTopic;
    private final JsonConverter json = new JsonConverter();

    public RecordMapper(RoutedTopics topics, String topicPrefix) {
        this.topics = topics;
        this.heartbeatTopic = RelayConnectorConfig.heartbeatTopic(topicPrefix);
        json.configure(Map.of(
                JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false",
                ConverterConfig.TYPE_CONFIG, ConverterType.VALUE.getName()));
    }

    /** The record to produce, or empty for a heartbeat (acknowledge it, publish nothing). */
    public Optional<RelayRecord> map(SourceRecord source) {
        String topic = source.topic();
        if (heartbeatTopic.equals(topic)) {
            return Optional.empty();
        }
        String table = tableOf(topic);
        long tsMicros = sourceTsMicros(source);
        if (table.equals(TABLE_OUTBOX)) {
            return Optional.of(outbox(source, topic, tsMicros));
        }
        return Optional.of(row(source, topic, table, tsMicros));
    }

    private RelayRecord outbox(SourceRecord source, String topic, long tsMicros) {
        if (!(source.key() instanceof String orgId)) {
            throw new UnexpectedRecordException("outbox event on " + topic + " has no string aggregateid key (key type "
                    + typeOf(source.key()) + ")");
        }
        RecordHeaders headers = headers(source);
        dropIfEmpty(headers, RelayConnectorConfig.HEADER_TRACEPARENT);
        dropIfEmpty(headers, RelayConnectorConfig.HEADER_TRACESTATE);
        String eventId = headerText(headers, RelayConnectorConfig.HEADER_EVENT_ID);
        if (eventId == null || headerText(headers, RelayConnectorConfig.HEADER_EVENT_TYPE) == null) {
            throw new UnexpectedRecordException("outbox event on " + topic + " for orgId=" + orgId + " lacks the "
                    + RelayConnectorConfig.HEADER_EVENT_ID + "/" + RelayConnectorConfig.HEADER_EVENT_TYPE + " headers");
        }
        byte[] value = bytesValue(source, topic);
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null, null,
                orgId.getBytes(StandardCharsets.UTF_8), value, headers);
        return new RelayRecord(out, TABLE_OUTBOX, tsMicros, "orgId=" + orgId + ", eventId=" + eventId);
    }

    private RelayRecord row(SourceRecord source, String topic, String table, long tsMicros) {
        if (!(source.key() instanceof Struct key)) {
            throw new UnexpectedRecordException("row change on " + topic + " has no (org_id, phone_number) key struct (key type "
                    + typeOf(source.key()) + "); check message.key.columns");
        }
        String orgId = requiredKeyField(key, "org_id", topic);
        String phone = requiredKeyField(key, "phone_number", topic);
        byte[] value;
        String requestId = null;
        if (source.value() == null) {
            value = null;
        } else if (source.value() instanceof Struct row) {
            value = json.fromConnectData(topic, source.valueSchema(), row);
            Field field = row.schema().field("request_id");
            requestId = field == null ? null : (String) row.get(field);
        } else {
            throw new UnexpectedRecordException("row change on " + topic + " for orgId=" + orgId + ", phone=" + phone
                    + " has a value of type " + typeOf(source.value()) + ", expected a flattened row");
        }
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null, null,
                (orgId + KEY_SEPARATOR + phone).getBytes(StandardCharsets.UTF_8), value, headers(source));
        String context = "orgId=" + orgId + ", phone=" + phone + (requestId == null ? "" : ", requestId=" + requestId)
                + (value == null ? ", tombstone" : "");
        return new RelayRecord(out, table, tsMicros, context);
    }

    /** The metrics tag of a destination topic. */
    public String tableOf(String topic) {
        if (topic.equals(topics.numbersProvisioned())) {
            return TABLE_OUTBOX;
        }
        if (topic.equals(topics.managedNumbers())) {
            return TABLE_MANAGED_NUMBERS;
        }
        if (topic.equals(topics.orgCredentials())) {
            return TABLE_ORG_CREDENTIALS;
        }
        throw new UnexpectedRecordException("record for topic '" + topic + "' matches none of the relay's routes ("
                + topics + "); the connector configuration and the relay disagree");
    }

    private static String requiredKeyField(Struct key, String name, String topic) {
        Field field = key.schema().field(name);
        Object value = field == null ? null : key.get(field);
        if (value == null) {
            throw new UnexpectedRecordException("row change on " + topic + " has a key without " + name + " (key fields "
                    + key.schema().fields().stream().map(Field::name).toList() + "); check message.key.columns");
        }
        return value.toString();
    }

    private static byte[] bytesValue(SourceRecord source, String topic) {
        Object value = source.value();
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return bytes;
        }
        if (value == null) {
            return null;
        }
        throw new UnexpectedRecordException("outbox event on " + topic + " has a payload of type " + typeOf(value)
                + ", expected bytes (outbox.payload is bytea)");
    }

    private static RecordHeaders headers(SourceRecord source) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : source.headers()) {
            headers.add(h.key(), headerBytes(h.value()));
        }
        return headers;
    }

    private static void dropIfEmpty(RecordHeaders headers, String name) {
        var h = headers.lastHeader(name);
        if (h != null && (h.value() == null || h.value().length == 0)) {
            headers.remove(name);
        }
    }

    private static byte[] headerBytes(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }

    private static String headerText(RecordHeaders headers, String name) {
        var h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Commit time from the Postgres offset ({@code ts_usec}), 0 when absent. */
    static long sourceTsMicros(SourceRecord source) {
        Map<String, ?> offset = source.sourceOffset();
        Object ts = offset == null ? null : offset.get("ts_usec");
        return ts instanceof Number n ? n.longValue() : 0L;
    }

    private static String typeOf(Object o) {
        return o == null ? "null" : o.getClass().getSimpleName();
    }
}

package com.voxanne.ssot.cli.tail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record of a topic as one line of JSON:
 * <pre>{"topic":..,"partition":..,"offset":..,"timestamp":"ISO-8601","key":"..","headers":{"name":"text or hex"},
 *  "format":"confluent"|"single-object"|"json"|"raw","schemaId":N,"value":{...}}</pre>
 * <ul>
 *   <li>Avro values are decoded with the topic's own value serde and rendered by {@link AvroJson}; {@code format} tells
 *       the framing from the first bytes: {@code 00} + a 4-byte big-endian schema id is the Confluent wire format (then
 *       {@code schemaId}), {@code C3 01} + an 8-byte fingerprint is Avro single-object encoding (a serde that decoded
 *       bytes in neither framing would get {@code "avro"}: ours read only these two).</li>
 *   <li>String values (the CDC topics' Debezium rows) are parsed as JSON and embedded as JSON: {@code "format":"json"}.</li>
 *   <li>A value that does not decode, and every record of a dead-letter topic: {@code "format":"raw"}, the bytes as
 *       {@code valueHex} and the decoder's message as {@code error}. A dead-letter record also gets {@code value} when its
 *       bytes do decode as the source topic's record type (a request parked for its content, not its encoding).</li>
 *   <li>A tombstone: {@code "format":null,"value":null}.</li>
 *   <li>Keys and header values are text when they are UTF-8 without control characters (tab, CR and LF allowed), else
 *       hex; a key that is not text is {@code "key":null} with {@code keyHex}. A header name given more than once (Kafka
 *       allows it) maps to an array of its values in order.</li>
 * </ul>
 * Rendering never throws for a record's content: whatever cannot be decoded is shown raw.
 */
public final class RecordRenderer {
    /** Non-ASCII characters are escaped, so a line is the same JSON whatever the terminal's charset. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();
    private static final byte CONFLUENT_MAGIC = 0x00;
    private static final int CONFLUENT_HEADER = 5;
    private static final byte SINGLE_OBJECT_0 = (byte) 0xC3;
    private static final byte SINGLE_OBJECT_1 = (byte) 0x01;
    private static final int SINGLE_OBJECT_HEADER = 10;

    private final TailTarget target;

    public RecordRenderer(TailTarget target) {
        this.target = target;
    }

    /** The record as one line of JSON (no line break in it). */
    public String line(ConsumerRecord<byte[], byte[]> record) {
        try {
            return JSON.writeValueAsString(render(record));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write a JSON tree", e); // a tree of our own nodes always writes
        }
    }

    /** The record as a JSON object. */
    public ObjectNode render(ConsumerRecord<byte[], byte[]> record) {
        ObjectNode line = NODES.objectNode();
        line.put("topic", record.topic());
        line.put("partition", record.partition());
        line.put("offset", record.offset());
        line.put("timestamp", record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp()).toString());
        Optional<String> key = text(record.key());
        line.put("key", key.orElse(null));
        if (record.key() != null && key.isEmpty()) {
            line.put("keyHex", HEX.formatHex(record.key()));
        }
        line.set("headers", headers(record));
        byte[] value = record.value();
        if (value == null) {
            line.putNull("format");
            line.putNull("value");
            return line;
        }
        Decoded decoded = decode(value, target.source().name());
        if (target.deadLetters() || decoded.error() != null) {
            line.put("format", "raw");
            line.put("valueHex", HEX.formatHex(value));
            if (decoded.error() != null) {
                line.put("error", decoded.error());
            } else {
                line.set("value", decoded.value());
            }
            return line;
        }
        line.put("format", decoded.format());
        if (decoded.schemaId() != null) {
            line.put("schemaId", decoded.schemaId());
        }
        line.set("value", decoded.value());
        return line;
    }

    /** A decoded value, or why it could not be decoded. */
    private record Decoded(String format, Integer schemaId, JsonNode value, String error) {
        static Decoded failed(String error) {
            return new Decoded(null, null, null, error);
        }
    }

    /** {@code bytes} (not null) as the value of {@code topic}, through the registry's serde for it. */
    private Decoded decode(byte[] bytes, String topic) {
        Object value;
        try {
            value = target.source().valueSerde().deserializer().deserialize(topic, bytes);
        } catch (RuntimeException e) {
            return Decoded.failed(describe(e));
        }
        try {
            if (value instanceof IndexedRecord record) {
                boolean confluent = bytes.length >= CONFLUENT_HEADER && bytes[0] == CONFLUENT_MAGIC;
                return confluent
                        ? new Decoded("confluent", ByteBuffer.wrap(bytes, 1, 4).getInt(), AvroJson.of(record), null)
                        : new Decoded(singleObject(bytes) ? "single-object" : "avro", null, AvroJson.of(record), null);
            }
            if (value instanceof CharSequence) {
                // parsed from the bytes, not the decoded string: Jackson refuses bytes that are not UTF-8, where a
                // String deserializer would have replaced them silently
                return new Decoded("json", null, json(bytes), null);
            }
            return Decoded.failed(value == null ? "the value deserializer returned nothing for " + bytes.length + " bytes"
                    : "no JSON rendering for a " + value.getClass().getName());
        } catch (IOException e) {
            return Decoded.failed(e instanceof JsonProcessingException j ? "not JSON: " + location(j) : describe(e));
        } catch (RuntimeException e) {
            return Decoded.failed("cannot render as JSON: " + describe(e));
        }
    }

    private static boolean singleObject(byte[] bytes) {
        return bytes.length >= SINGLE_OBJECT_HEADER && bytes[0] == SINGLE_OBJECT_0 && bytes[1] == SINGLE_OBJECT_1;
    }

    private static JsonNode json(byte[] bytes) throws IOException {
        JsonNode node = JSON.readTree(bytes);
        if (node == null || node.isMissingNode()) {
            throw new IOException("empty value where a JSON document was expected");
        }
        return node;
    }

    private static ObjectNode headers(ConsumerRecord<byte[], byte[]> record) {
        ObjectNode headers = NODES.objectNode();
        for (Header header : record.headers()) {
            JsonNode value = header.value() == null ? NODES.nullNode()
                    : NODES.textNode(text(header.value()).orElseGet(() -> HEX.formatHex(header.value())));
            JsonNode earlier = headers.get(header.key());
            if (earlier == null) {
                headers.set(header.key(), value);
            } else if (earlier instanceof ArrayNode values) {
                values.add(value);
            } else {
                headers.set(header.key(), NODES.arrayNode().add(earlier).add(value));
            }
        }
        return headers;
    }

    /** The bytes as text when they are UTF-8 with no control character but tab, CR and LF. */
    static Optional<String> text(byte[] bytes) {
        if (bytes == null) {
            return Optional.empty();
        }
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        boolean control = s.chars().anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r');
        return control ? Optional.empty() : Optional.of(s);
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? e.getOriginalMessage()
                : e.getOriginalMessage() + " (at byte " + e.getLocation().getByteOffset() + ")";
    }

    private static String describe(Throwable e) {
        if (e instanceof com.voxanne.ssot.schemas.serde.UndecodableRecordException) {
            return e.getMessage(); // says what failed, where, and how the bytes start
        }
        String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        Throwable cause = e.getCause();
        return cause == null || cause == e ? message : message + " (caused by " + describe(cause) + ")";
    }
}

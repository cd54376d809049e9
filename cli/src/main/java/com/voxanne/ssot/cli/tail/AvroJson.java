package com.voxanne.ssot.cli.tail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * An Avro value as JSON, walked by its schema rather than through Avro's {@code toString} (whose output is meant for
 * people and follows no contract): records as objects in field order, strings as strings, a union as its one value
 * (or null), enums as their symbol, {@code timestamp-millis}/{@code -micros} as ISO-8601 instants ({@code
 * 2026-12-01T10:15:30.123Z}), dates and times in ISO-8601, bytes and fixed as lowercase hex, decimals as numbers.
 *
 * <p>Works on specific records (whose getters already give {@link Instant}s for timestamps) and on generic ones (longs).
 * A value that fits no branch of its union fails with an {@link IllegalArgumentException} naming the field path.
 */
final class AvroJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();

    private AvroJson() {
    }

    /** {@code record} as a JSON object, by its own schema. */
    static ObjectNode of(IndexedRecord record) {
        return (ObjectNode) of(record.getSchema(), record, record.getSchema().getName());
    }

    private static JsonNode of(Schema schema, Object value, String path) {
        if (value == null) {
            return NODES.nullNode();
        }
        LogicalType logical = schema.getLogicalType();
        switch (schema.getType()) {
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) value;
                ObjectNode node = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    node.set(field.name(), of(field.schema(), record.get(field.pos()), path + "." + field.name()));
                }
                return node;
            }
            case UNION -> {
                return of(branchOf(schema, value, path), value, path);
            }
            case ENUM -> {
                return NODES.textNode(value instanceof Enum<?> e ? e.name() : value.toString());
            }
            case STRING -> {
                return NODES.textNode(value.toString()); // a CharSequence, or a UUID for logicalType uuid
            }
            case LONG -> {
                return logical == null ? NODES.numberNode(((Number) value).longValue()) : temporal(logical, value, path);
            }
            case INT -> {
                return logical == null ? NODES.numberNode(((Number) value).intValue()) : temporal(logical, value, path);
            }
            case BOOLEAN -> {
                return NODES.booleanNode((Boolean) value);
            }
            case FLOAT -> {
                return NODES.numberNode((Float) value);
            }
            case DOUBLE -> {
                return NODES.numberNode((Double) value);
            }
            case BYTES, FIXED -> {
                if (value instanceof BigDecimal decimal) {
                    return NODES.numberNode(decimal);
                }
                return NODES.textNode(HEX.formatHex(bytes(value)));
            }
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                int i = 0;
                for (Object element : (Collection<?>) value) {
                    array.add(of(schema.getElementType(), element, path + "[" + i++ + "]"));
                }
                return array;
            }
            case MAP -> {
                ObjectNode node = NODES.objectNode();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    String key = entry.getKey().toString();
                    node.set(key, of(schema.getValueType(), entry.getValue(), path + "." + key));
                }
                return node;
            }
            case NULL -> {
                return NODES.nullNode();
            }
            default -> throw new IllegalArgumentException(path + ": Avro type " + schema.getType() + " has no JSON rendering");
        }
    }

    /** Timestamps as ISO-8601 instants, dates and times as ISO-8601; a logical type we do not know, as its number. */
    private static JsonNode temporal(LogicalType logical, Object value, String path) {
        if (value instanceof TemporalAccessor converted) { // a specific record's getter already converted it
            return NODES.textNode(converted.toString());
        }
        long n = ((Number) value).longValue();
        return switch (logical.getName()) {
            case "timestamp-millis" -> NODES.textNode(Instant.ofEpochMilli(n).toString());
            case "timestamp-micros" -> NODES.textNode(Instant.EPOCH.plus(n, ChronoUnit.MICROS).toString());
            case "timestamp-nanos" -> NODES.textNode(Instant.EPOCH.plus(n, ChronoUnit.NANOS).toString());
            case "local-timestamp-millis" -> NODES.textNode(LocalDateTime.ofInstant(Instant.ofEpochMilli(n), ZoneOffset.UTC).toString());
            case "local-timestamp-micros" -> NODES.textNode(
                    LocalDateTime.ofInstant(Instant.EPOCH.plus(n, ChronoUnit.MICROS), ZoneOffset.UTC).toString());
            case "date" -> NODES.textNode(LocalDate.ofEpochDay(n).toString());
            case "time-millis" -> NODES.textNode(LocalTime.ofNanoOfDay(n * 1_000_000L).toString());
            case "time-micros" -> NODES.textNode(LocalTime.ofNanoOfDay(n * 1_000L).toString());
            default -> value instanceof Integer ? NODES.numberNode((int) n) : NODES.numberNode(n);
        };
    }

    /** The branch of {@code union} that {@code value} (not null) is of. */
    private static Schema branchOf(Schema union, Object value, String path) {
        for (Schema branch : union.getTypes()) {
            if (fits(branch, value)) {
                return branch;
            }
        }
        throw new IllegalArgumentException(path + ": a " + value.getClass().getName() + " fits no branch of " + union);
    }

    private static boolean fits(Schema branch, Object value) {
        return switch (branch.getType()) {
            case NULL -> false;
            case STRING -> value instanceof CharSequence || value instanceof java.util.UUID;
            case BOOLEAN -> value instanceof Boolean;
            case INT -> value instanceof Integer || value instanceof LocalDate || value instanceof LocalTime;
            case LONG -> value instanceof Long || value instanceof TemporalAccessor;
            case FLOAT -> value instanceof Float;
            case DOUBLE -> value instanceof Double;
            case BYTES -> value instanceof ByteBuffer || value instanceof byte[] || value instanceof BigDecimal;
            case FIXED, ENUM, RECORD -> value instanceof GenericContainer c
                    && c.getSchema().getFullName().equals(branch.getFullName());
            case ARRAY -> value instanceof Collection<?>;
            case MAP -> value instanceof Map<?, ?>;
            default -> false;
        };
    }

    private static byte[] bytes(Object value) {
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return bytes;
        }
        if (value instanceof GenericFixed fixed) {
            return fixed.bytes();
        }
        return (byte[]) value;
    }
}

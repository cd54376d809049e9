package com.voxanne.ssot.reconciler.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the relay's CDC values (flattened row JSON with the table's column names plus {@code __op},
 * {@code __deleted}, {@code __source_ts_ms}, {@code __lsn}) into {@link ManagedNumberRow} and
 * {@link SsotRow}, and writes those rows back in the same shape (for the state stores).
 *
 * <p>A delete ({@code "__deleted":"true"} or {@code "__op":"d"}) and a tombstone (null bytes) both read
 * as {@code null}: "no row for this key". Anything else that breaks the contract throws
 * {@link MalformedCdcRecordException} naming the column.
 */
public final class CdcRows {
    public static final String MANAGED_TABLE = "managed_phone_numbers";
    public static final String SSOT_TABLE = "org_credentials";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private CdcRows() {
    }

    /** @return the row, or null for a delete or a tombstone */
    public static ManagedNumberRow managedNumber(byte[] value) {
        FlatRow row = rowOrNull(MANAGED_TABLE, value);
        if (row == null) {
            return null;
        }
        return new ManagedNumberRow(
                row.requiredText("id"),
                row.requiredText("org_id"),
                row.requiredText("phone_number"),
                row.optionalText("twilio_sid"),
                row.requiredText("vapi_phone_id"),
                row.requiredText("status"));
    }

    /** @return the row, or null for a delete or a tombstone */
    public static SsotRow ssotRow(byte[] value) {
        FlatRow row = rowOrNull(SSOT_TABLE, value);
        if (row == null) {
            return null;
        }
        return new SsotRow(
                row.optionalLong("id"),
                row.requiredText("org_id"),
                row.requiredText("provider"),
                row.requiredText("phone_number"),
                row.optionalText("vapi_phone_id"),
                row.optionalText("twilio_sid"),
                row.requiredBoolean("is_managed"),
                row.optionalLong("version"),
                row.optionalText("written_by")); // absent before migration V9
    }

    public static byte[] write(ManagedNumberRow row) {
        if (row == null) {
            return null;
        }
        return write(g -> {
            g.writeStringField("id", row.id());
            g.writeStringField("org_id", row.orgId());
            g.writeStringField("phone_number", row.phoneNumber());
            writeNullable(g, "twilio_sid", row.twilioSid());
            g.writeStringField("vapi_phone_id", row.vapiPhoneId());
            g.writeStringField("status", row.status());
        });
    }

    public static byte[] write(SsotRow row) {
        if (row == null) {
            return null;
        }
        return write(g -> {
            if (row.id() != null) {
                g.writeNumberField("id", row.id());
            }
            g.writeStringField("org_id", row.orgId());
            g.writeStringField("provider", row.provider());
            g.writeStringField("phone_number", row.phoneNumber());
            writeNullable(g, "vapi_phone_id", row.vapiPhoneId());
            writeNullable(g, "twilio_sid", row.twilioSid());
            g.writeBooleanField("is_managed", row.managed());
            if (row.version() != null) {
                g.writeNumberField("version", row.version());
            }
            if (row.writtenBy() != null) {
                g.writeStringField("written_by", row.writtenBy());
            }
        });
    }

    /**
     * Reads the top-level columns with a streaming parser (no tree): a CDC value is a flat object, and this runs for
     * every change the reconciler consumes. Nested values are skipped and remembered by type only.
     */
    private static FlatRow rowOrNull(String table, byte[] value) {
        if (value == null) {
            return null;
        }
        FlatRow row = new FlatRow(table);
        try (JsonParser p = FACTORY.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new MalformedCdcRecordException(table + " CDC value must be a JSON object, was "
                        + (first == null ? "empty" : typeOf(first)));
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String column = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                    row.put(column, new Column(v, null));
                } else {
                    row.put(column, new Column(v, v == JsonToken.VALUE_NULL ? null : p.getText()));
                }
            }
        } catch (JsonProcessingException e) {
            throw new MalformedCdcRecordException(table + " CDC value is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedCdcRecordException(table + " CDC value cannot be read: " + e.getMessage(), e);
        }
        return row.isDelete() ? null : row;
    }

    private static String typeOf(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "OBJECT";
            case START_ARRAY -> "ARRAY";
            case VALUE_STRING -> "STRING";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
            case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
            case VALUE_NULL -> "NULL";
            default -> t.name();
        };
    }

    /** One top-level value: its token, and its text when it is a scalar (null for JSON null and nested values). */
    private record Column(JsonToken token, String text) {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isScalar() {
            return token.isScalarValue();
        }
    }

    /** The top-level columns of one CDC value (the last occurrence wins, as with a tree). */
    private static final class FlatRow {
        private final String table;
        private final Map<String, Column> columns = new HashMap<>(32);

        FlatRow(String table) {
            this.table = table;
        }

        void put(String column, Column value) {
            columns.put(column, value);
        }

        boolean isDelete() {
            Column deleted = columns.get("__deleted");
            if (deleted != null && (deleted.token() == JsonToken.VALUE_TRUE
                    || (deleted.isScalar() && "true".equalsIgnoreCase(deleted.text())))) {
                return true;
            }
            Column op = columns.get("__op");
            return op != null && op.isScalar() && "d".equals(op.text());
        }

        String requiredText(String column) {
            Column v = columns.get(column);
            if (v == null || v.isNull()) {
                throw new MalformedCdcRecordException(table + " CDC value has no '" + column + "' column");
            }
            if (!v.isScalar()) {
                throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a scalar, was "
                        + typeOf(v.token()));
            }
            return v.text();
        }

        String optionalText(String column) {
            Column v = columns.get(column);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isScalar()) {
                throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a scalar, was "
                        + typeOf(v.token()));
            }
            return v.text();
        }

        Long optionalLong(String column) {
            Column v = columns.get(column);
            if (v == null || v.isNull()) {
                return null;
            }
            try {
                if (v.isScalar()) {
                    return Long.parseLong(v.text());
                }
            } catch (NumberFormatException e) {
                throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a whole number, was '"
                        + v.text() + "'", e);
            }
            throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a whole number, was "
                    + typeOf(v.token()));
        }

        boolean requiredBoolean(String column) {
            Column v = columns.get(column);
            if (v == null || v.isNull()) {
                throw new MalformedCdcRecordException(table + " CDC value has no '" + column + "' column");
            }
            if (v.token() == JsonToken.VALUE_TRUE || v.token() == JsonToken.VALUE_FALSE) {
                return v.token() == JsonToken.VALUE_TRUE;
            }
            String text = v.isScalar() ? v.text() : typeOf(v.token());
            if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
                return Boolean.parseBoolean(text);
            }
            throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a boolean, was '" + text + "'");
        }
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Fields fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(192);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a row as JSON", e);
        }
        return out.toByteArray();
    }

    private static void writeNullable(JsonGenerator g, String field, String value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, value);
        }
    }
}

package com.voxanne.ssot.reconciler.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

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
        JsonNode row = rowOrNull(MANAGED_TABLE, value);
        if (row == null) {
            return null;
        }
        return new ManagedNumberRow(
                requiredText(MANAGED_TABLE, row, "id"),
                requiredText(MANAGED_TABLE, row, "org_id"),
                requiredText(MANAGED_TABLE, row, "phone_number"),
                optionalText(row, "twilio_sid"),
                requiredText(MANAGED_TABLE, row, "vapi_phone_id"),
                requiredText(MANAGED_TABLE, row, "status"));
    }

    /** @return the row, or null for a delete or a tombstone */
    public static SsotRow ssotRow(byte[] value) {
        JsonNode row = rowOrNull(SSOT_TABLE, value);
        if (row == null) {
            return null;
        }
        return new SsotRow(
                optionalLong(SSOT_TABLE, row, "id"),
                requiredText(SSOT_TABLE, row, "org_id"),
                requiredText(SSOT_TABLE, row, "provider"),
                requiredText(SSOT_TABLE, row, "phone_number"),
                optionalText(row, "vapi_phone_id"),
                optionalText(row, "twilio_sid"),
                requiredBoolean(SSOT_TABLE, row, "is_managed"),
                optionalLong(SSOT_TABLE, row, "version"));
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
        });
    }

    private static JsonNode rowOrNull(String table, byte[] value) {
        if (value == null) {
            return null;
        }
        JsonNode row;
        try {
            row = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new MalformedCdcRecordException(table + " CDC value is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedCdcRecordException(table + " CDC value cannot be read: " + e.getMessage(), e);
        }
        if (row == null || !row.isObject()) {
            throw new MalformedCdcRecordException(table + " CDC value must be a JSON object, was "
                    + (row == null ? "empty" : row.getNodeType()));
        }
        return isDelete(row) ? null : row;
    }

    private static boolean isDelete(JsonNode row) {
        JsonNode deleted = row.get("__deleted");
        if (deleted != null && (deleted.isBoolean() ? deleted.booleanValue() : "true".equalsIgnoreCase(deleted.asText()))) {
            return true;
        }
        JsonNode op = row.get("__op");
        return op != null && "d".equals(op.asText());
    }

    private static String requiredText(String table, JsonNode row, String column) {
        JsonNode v = row.get(column);
        if (v == null || v.isNull()) {
            throw new MalformedCdcRecordException(table + " CDC value has no '" + column + "' column");
        }
        if (!v.isValueNode()) {
            throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a scalar, was " + v.getNodeType());
        }
        return v.asText();
    }

    private static String optionalText(JsonNode row, String column) {
        JsonNode v = row.get(column);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Long optionalLong(String table, JsonNode row, String column) {
        JsonNode v = row.get(column);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.canConvertToLong() && v.isIntegralNumber()) {
            return v.longValue();
        }
        try {
            return Long.parseLong(v.asText());
        } catch (NumberFormatException e) {
            throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a whole number, was '"
                    + v.asText() + "'", e);
        }
    }

    private static boolean requiredBoolean(String table, JsonNode row, String column) {
        JsonNode v = row.get(column);
        if (v == null || v.isNull()) {
            throw new MalformedCdcRecordException(table + " CDC value has no '" + column + "' column");
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        String text = v.asText();
        if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
            return Boolean.parseBoolean(text);
        }
        throw new MalformedCdcRecordException(table + " CDC column '" + column + "' must be a boolean, was '" + text + "'");
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

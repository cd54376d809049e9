package com.voxanne.ssot.schemas.serde;

import java.util.Objects;

/**
 * Bytes from a topic that cannot be decoded into the expected record: a poison record. Carries a
 * copy of the raw bytes (for the dead-letter topic), the topic and a typed {@link Reason}, so a
 * consumer can park the record and move on instead of failing or guessing.
 */
public class UndecodableRecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the bytes could not be decoded. */
    public enum Reason {
        /** Zero bytes where a record was expected (a tombstone is {@code null}, not empty). */
        EMPTY_PAYLOAD,
        /** Starts with 0x00 (Confluent wire format) but this reader has no schema registry to resolve the id. */
        CONFLUENT_WIRE_FORMAT,
        /** Neither 0x00 + schema id (Confluent) nor the single-object marker C3 01 + an 8-byte fingerprint. */
        NOT_SINGLE_OBJECT_ENCODING,
        /** Confluent wire format with a schema id the registry does not have (after bounded retries). */
        UNKNOWN_SCHEMA_ID,
        /** Confluent wire format with a schema of this record that the current reader cannot read (not compatible). */
        INCOMPATIBLE_SCHEMA,
        /** Single-object encoded, but the fingerprint is of no schema this reader knows. */
        UNKNOWN_SCHEMA_FINGERPRINT,
        /** A known schema (by fingerprint or registry id) of a different record type. */
        WRONG_RECORD_TYPE,
        /** The body does not match the writer schema: truncated, corrupt or with trailing bytes. */
        CORRUPT_BODY
    }

    private final transient byte[] rawBytes;
    private final String topic;
    private final Reason reason;
    private final String detail;

    public UndecodableRecordException(String topic, byte[] rawBytes, Reason reason, String detail, Throwable cause) {
        super(message(topic, rawBytes, reason, detail), cause);
        this.detail = detail;
        this.topic = topic;
        this.rawBytes = rawBytes == null ? null : rawBytes.clone();
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public UndecodableRecordException(String topic, byte[] rawBytes, Reason reason, String detail) {
        this(topic, rawBytes, reason, detail, null);
    }

    /** A copy of the bytes exactly as read from the topic ({@code null} only if none were given). */
    public byte[] rawBytes() {
        return rawBytes == null ? null : rawBytes.clone();
    }

    /** The topic the bytes were read from; may be {@code null} when the caller did not know it. */
    public String topic() {
        return topic;
    }

    public Reason reason() {
        return reason;
    }

    /** Why, without the topic and framing prefix of the message. */
    public String detail() {
        return detail;
    }

    private static String message(String topic, byte[] rawBytes, Reason reason, String detail) {
        int length = rawBytes == null ? 0 : rawBytes.length;
        return "undecodable record on topic '" + topic + "' (" + length + " bytes, starting "
                + headHex(rawBytes) + "): " + reason + ": " + detail;
    }

    /** The first bytes in hex: enough to see the framing, never a whole payload. */
    static String headHex(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return "<none>";
        }
        int shown = Math.min(bytes.length, 10);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", bytes[i] & 0xff));
        }
        if (bytes.length > shown) {
            sb.append(" ...");
        }
        return sb.toString();
    }
}

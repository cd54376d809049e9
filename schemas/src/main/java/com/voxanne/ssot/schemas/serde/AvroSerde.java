package com.voxanne.ssot.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

import com.voxanne.ssot.schemas.SchemaHistory;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException.Reason;

/**
 * Kafka serde for one generated Avro record type using Avro single-object encoding, without a
 * schema registry: {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer
 * schema, then the Avro binary body.
 *
 * <p>Writing always uses the current (generated) schema. Reading resolves the writer schema by
 * fingerprint among every released version of the record (see {@link SchemaHistory}) and
 * converts to the current class, so bytes written by older producers stay readable.
 *
 * <p>{@code null} bytes are a tombstone and decode to {@code null}; {@code null} records encode
 * to {@code null}. Any other input that is not a valid record of this type throws
 * {@link UndecodableRecordException} with the raw bytes, the topic and the reason; decoding never
 * returns {@code null} for non-null bytes. Before materialising a record the body is walked once
 * against the writer schema, so a corrupt length prefix is reported as {@link Reason#CORRUPT_BODY}
 * instead of triggering a huge allocation.
 *
 * <p>Stateless after construction and safe for concurrent use; one instance may serve several
 * producers and consumers ({@link #configure} and {@link #close} do nothing: the schemas ship in the jar).
 */
public final class AvroSerde<T extends SpecificRecord> extends StatelessSerde<T> {

    private static final int HEADER_LENGTH = 10;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    private final Class<T> type;
    private final Schema schema;
    private final SchemaStore.Cache writerSchemas;
    private final Set<Long> knownFingerprints;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroSerde(Class<T> type, Collection<Schema> writerSchemas) {
        this.type = Objects.requireNonNull(type, "type");
        SpecificData model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        if (schema == null || schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException(type.getName() + " is not a generated Avro record class");
        }
        this.writerSchemas = new SchemaStore.Cache();
        Set<Long> fingerprints = new LinkedHashSet<>();
        List<Schema> all = new ArrayList<>(writerSchemas);
        all.add(schema);
        for (Schema writer : all) {
            SchemaCompatibility.SchemaPairCompatibility compatibility =
                    SchemaCompatibility.checkReaderWriterCompatibility(schema, writer);
            if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                throw new IllegalArgumentException("writer schema " + writer.getFullName() + " (fingerprint "
                        + hex(SchemaNormalization.parsingFingerprint64(writer)) + ") cannot be read as "
                        + type.getName() + ": " + compatibility.getResult().getIncompatibilities().stream()
                                .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")")
                                .toList());
            }
            this.writerSchemas.addSchema(writer);
            fingerprints.add(SchemaNormalization.parsingFingerprint64(writer));
        }
        this.knownFingerprints = Set.copyOf(fingerprints);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, this.writerSchemas);
    }

    /**
     * A serde for {@code type} that reads every version of the record shipped in
     * {@link SchemaHistory#bundled()}.
     *
     * @throws IllegalArgumentException when the record has no shipped history (a new record
     *     must get its {@code v1.avsc} in the history before it can be used)
     */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return of(type, SchemaHistory.bundled());
    }

    /** A serde for {@code type} that reads every version of the record in {@code history}. */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, SchemaHistory history) {
        Objects.requireNonNull(history, "history");
        String recordName = SpecificData.getForClass(type).getSchema(type).getName();
        return new AvroSerde<>(type, history.schemas(recordName));
    }

    /**
     * A serde for {@code type} that reads bytes written with any of {@code writerSchemas} (the
     * current schema is always included). Each must be readable as {@code type}.
     */
    public static <T extends SpecificRecord> AvroSerde<T> withWriterSchemas(Class<T> type,
                                                                          Collection<Schema> writerSchemas) {
        return new AvroSerde<>(type, List.copyOf(writerSchemas));
    }

    /** The record class this serde produces. */
    public Class<T> type() {
        return type;
    }

    /** The current (writer) schema. */
    public Schema schema() {
        return schema;
    }

    /** Fingerprints of every writer schema this serde can decode. */
    public Set<Long> knownFingerprints() {
        return knownFingerprints;
    }

    @Override
    protected byte[] toBytes(String topic, T data) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            encoder.encode(data, out);
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + " for topic '" + topic
                    + "': " + e.getMessage(), e);
        }
    }

    @Override
    protected T fromBytes(String topic, byte[] data) {
        Schema writer = writerSchemaOf(topic, data);
        verifyBody(topic, data, writer);
        try {
            T record = decoder.decode(data);
            if (record == null) {
                throw new UndecodableRecordException(topic, data, Reason.CORRUPT_BODY, "decoder returned no record");
            }
            return type.cast(record);
        } catch (MissingSchemaException e) {
            throw new UndecodableRecordException(topic, data, Reason.UNKNOWN_SCHEMA_FINGERPRINT, e.getMessage(), e);
        } catch (UndecodableRecordException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecordException(topic, data, Reason.CORRUPT_BODY, "body does not decode as "
                    + writer.getFullName() + ": " + describe(e), e);
        }
    }

    /** Checks the framing and resolves the writer schema by fingerprint. */
    private Schema writerSchemaOf(String topic, byte[] data) {
        if (data.length == 0) {
            throw new UndecodableRecordException(topic, data, Reason.EMPTY_PAYLOAD,
                    "empty payload where a " + type.getSimpleName() + " was expected (a tombstone is null, not empty)");
        }
        if (data[0] == 0x00) {
            String schemaId = data.length >= 5
                    ? " with schema id " + (((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16)
                            | ((data[3] & 0xff) << 8) | (data[4] & 0xff))
                    : "";
            throw new UndecodableRecordException(topic, data, Reason.CONFLUENT_WIRE_FORMAT,
                    "starts with magic byte 0x00: Confluent Schema Registry wire format" + schemaId
                            + "; this topic carries Avro single-object encoding (C3 01 + fingerprint), no registry");
        }
        if (data.length < HEADER_LENGTH || data[0] != MARKER_0 || data[1] != MARKER_1) {
            throw new UndecodableRecordException(topic, data, Reason.NOT_SINGLE_OBJECT_ENCODING,
                    "not Avro single-object encoding: expected marker C3 01 and an 8-byte schema fingerprint"
                            + " (at least " + HEADER_LENGTH + " bytes)");
        }
        long fingerprint = 0;
        for (int i = HEADER_LENGTH - 1; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (data[i] & 0xffL);
        }
        Schema writer = writerSchemas.findByFingerprint(fingerprint);
        if (writer != null) {
            return writer;
        }
        Optional<SchemaHistory.Version> other = SchemaHistory.bundled().byFingerprint(fingerprint);
        if (other.isPresent()) {
            throw new UndecodableRecordException(topic, data, Reason.WRONG_RECORD_TYPE,
                    "bytes are a " + other.get() + ", expected " + type.getSimpleName());
        }
        throw new UndecodableRecordException(topic, data, Reason.UNKNOWN_SCHEMA_FINGERPRINT,
                "schema fingerprint " + hex(fingerprint) + " is not a known version of " + schema.getFullName()
                        + " (known: " + knownFingerprints.stream().map(AvroSerde::hex).toList()
                        + "); written by a newer producer whose schema this reader does not ship, or not ours");
    }

    /**
     * Walks the body against the writer schema without materialising values: every length
     * prefix is checked against the bytes actually present, and nothing may follow the record.
     */
    private static void verifyBody(String topic, byte[] data, Schema writer) {
        BinaryDecoder body = DecoderFactory.get().binaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH, null);
        try {
            GenericDatumReader.skip(writer, body);
            if (!body.isEnd()) {
                throw new UndecodableRecordException(topic, data, Reason.CORRUPT_BODY,
                        "trailing bytes after a complete " + writer.getFullName() + " body");
            }
        } catch (UndecodableRecordException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecordException(topic, data, Reason.CORRUPT_BODY, "truncated or corrupt "
                    + writer.getFullName() + " body: " + describe(e), e);
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
        if (e.getMessage() != null) {
            sb.append(": ").append(e.getMessage());
        }
        if (e.getCause() != null && e.getCause() != e) {
            sb.append(" (caused by ").append(describe(e.getCause())).append(')');
        }
        return sb.toString();
    }

    private static String hex(long fingerprint) {
        return String.format("%016x", fingerprint);
    }

    @Override
    public String toString() {
        return "AvroSerde[" + type.getSimpleName() + ", " + knownFingerprints.size() + " known writer schemas]";
    }
}

package com.voxanne.ssot.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

import com.voxanne.ssot.schemas.SchemaHistory;
import com.voxanne.ssot.schemas.registry.RegisteredSchemas;
import com.voxanne.ssot.schemas.registry.SchemaRegistryUnavailableException;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException.Reason;

/**
 * Kafka serde for one generated Avro record type, in either of two formats (see {@link AvroWire}):
 * <ul>
 *   <li>the Confluent wire format: {@code 00}, the 4-byte big-endian schema id of the writer schema in a
 *       Confluent-compatible schema registry (subject {@code <topic>-value}), then the Avro binary body;</li>
 *   <li>Avro single-object encoding, without a registry: {@code C3 01}, the 8-byte little-endian CRC-64-AVRO
 *       fingerprint of the writer schema, then the body.</li>
 * </ul>
 * Writing uses the current (generated) schema in the format the {@link AvroWire} says. Reading accepts both, the first
 * byte decides: a fingerprint resolves among every released version of the record (see {@link SchemaHistory}), an id
 * through the registry (cached: ids already seen keep working while the registry is down); either way the bytes are
 * converted to the current class, so bytes written by older (or newer, compatible) producers stay readable.
 *
 * <p>{@code null} bytes are a tombstone and decode to {@code null}; {@code null} records encode
 * to {@code null}. Any other input that is not a valid record of this type throws
 * {@link UndecodableRecordException} with the raw bytes, the topic and the reason; decoding never
 * returns {@code null} for non-null bytes. Before materialising a record the body is walked once
 * against the writer schema, so a corrupt length prefix is reported as {@link Reason#CORRUPT_BODY}
 * instead of triggering a huge allocation. A registry that cannot be reached for an id not seen before is not a
 * verdict on the bytes: that throws {@link SchemaRegistryUnavailableException} (retriable), never
 * {@link UndecodableRecordException}.
 *
 * <p>Safe for concurrent use; one instance may serve several producers and consumers ({@link #configure} and
 * {@link #close} do nothing: the schemas ship in the jar, the registry is given at construction).
 */
public final class AvroSerde<T extends SpecificRecord> extends StatelessSerde<T> {

    private static final int HEADER_LENGTH = 10;
    private static final int CONFLUENT_HEADER_LENGTH = 5;
    private static final byte CONFLUENT_MAGIC = 0x00;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    private final Class<T> type;
    private final Schema schema;
    private final SchemaStore.Cache writerSchemas;
    private final Set<Long> knownFingerprints;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final SpecificData model;
    private final AvroWire wire;
    private final SpecificDatumWriter<T> bodyWriter;
    private final SubjectNaming subjectNaming;
    /** Per registry id: how to read it as {@code T}, or why it cannot be. */
    private final Map<Integer, IdReader<T>> readersById = new ConcurrentHashMap<>();
    /** Per topic: the id of the current schema under the topic's subject. */
    private final Map<String, Integer> writerIdByTopic = new ConcurrentHashMap<>();

    /** What a registry id means for this type: a reader, or the reason bytes with it are refused. */
    private record IdReader<T>(Schema writer, DatumReader<T> reader, Reason refusal, String why) {
    }

    /**
     * Which registry subject a topic's values of this type are registered under. A topic that carries one record type
     * uses {@link #TOPIC_NAME}; a topic that carries several (requests: provision and release; the event log: provisioned
     * and released) keeps {@code TOPIC_NAME} for the type it always had and gives each added type
     * {@link #TOPIC_RECORD_NAME}, so that no subject ever changes its record type and FULL_TRANSITIVE holds per subject.
     */
    public enum SubjectNaming {
        /** Confluent's TopicNameStrategy: {@code <topic>-value}. */
        TOPIC_NAME,
        /** Confluent's TopicRecordNameStrategy: {@code <topic>-<record full name>}. */
        TOPIC_RECORD_NAME
    }

    private AvroSerde(Class<T> type, Collection<Schema> writerSchemas, AvroWire wire) {
        this(type, writerSchemas, wire, SubjectNaming.TOPIC_NAME);
    }

    private AvroSerde(Class<T> type, Collection<Schema> writerSchemas, AvroWire wire, SubjectNaming subjectNaming) {
        this.type = Objects.requireNonNull(type, "type");
        this.wire = Objects.requireNonNull(wire, "wire");
        this.subjectNaming = Objects.requireNonNull(subjectNaming, "subjectNaming");
        SpecificData model = SpecificData.getForClass(type);
        this.model = model;
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
        this.bodyWriter = new SpecificDatumWriter<>(schema, model);
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
        return of(type, history, AvroWire.singleObject());
    }

    /**
     * A serde for {@code type} that writes in {@code wire}'s format and reads every version of the record in
     * {@code history} (single-object) and every compatible schema in {@code wire}'s registry (Confluent).
     */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, SchemaHistory history, AvroWire wire) {
        Objects.requireNonNull(history, "history");
        String recordName = SpecificData.getForClass(type).getSchema(type).getName();
        return new AvroSerde<>(type, history.schemas(recordName), wire);
    }

    /**
     * Like {@link #of(Class, SchemaHistory, AvroWire)}, its values registered under {@code subjectNaming}'s subject: a
     * record type added to a topic that already carries another one uses {@link SubjectNaming#TOPIC_RECORD_NAME}.
     */
    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, SchemaHistory history, AvroWire wire,
                                                             SubjectNaming subjectNaming) {
        Objects.requireNonNull(history, "history");
        String recordName = SpecificData.getForClass(type).getSchema(type).getName();
        return new AvroSerde<>(type, history.schemas(recordName), wire, subjectNaming);
    }

    /**
     * A serde for {@code type} that reads bytes written with any of {@code writerSchemas} (the
     * current schema is always included). Each must be readable as {@code type}.
     */
    public static <T extends SpecificRecord> AvroSerde<T> withWriterSchemas(Class<T> type,
                                                                          Collection<Schema> writerSchemas) {
        return new AvroSerde<>(type, List.copyOf(writerSchemas), AvroWire.singleObject());
    }

    /** The record class this serde produces. */
    public Class<T> type() {
        return type;
    }

    /** The current (writer) schema. */
    public Schema schema() {
        return schema;
    }

    /** The format this serde writes, and its registry. */
    public AvroWire wire() {
        return wire;
    }

    /**
     * The registry id of the current schema under {@code topic}'s subject, looked up (or registered) now and cached:
     * writers call this when they start, so that a registry outage later does not stop them.
     *
     * @throws IllegalStateException              this serde writes single-object encoding (there is no id)
     * @throws SchemaRegistryUnavailableException the registry cannot be reached
     */
    public int writerId(String topic) {
        RegisteredSchemas registry = wire.registry().orElseThrow(() -> new IllegalStateException(
                "no schema registry: " + this + " writes single-object encoding"));
        return writerIdByTopic.computeIfAbsent(topic, t -> registry.writerId(subject(t), schema));
    }

    /** The registry subject this type's values on {@code topic} are registered under (see {@link SubjectNaming}). */
    public String subject(String topic) {
        return subjectNaming == SubjectNaming.TOPIC_NAME
                ? AvroWire.subjectOf(topic) : AvroWire.subjectOf(topic, schema.getFullName());
    }

    /** Fingerprints of every writer schema this serde can decode. */
    public Set<Long> knownFingerprints() {
        return knownFingerprints;
    }

    @Override
    protected byte[] toBytes(String topic, T data) {
        int id = wire.writes() == AvroWire.Format.CONFLUENT ? writerId(topic) : -1;
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            if (id < 0) {
                encoder.encode(data, out);
            } else {
                out.write(new byte[] {CONFLUENT_MAGIC, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
                BinaryEncoder body = EncoderFactory.get().directBinaryEncoder(out, null);
                bodyWriter.write(data, body);
                body.flush();
            }
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + " for topic '" + topic
                    + "': " + e.getMessage(), e);
        }
    }

    @Override
    protected T fromBytes(String topic, byte[] data) {
        if (data.length > 0 && data[0] == CONFLUENT_MAGIC) {
            return fromConfluent(topic, data);
        }
        Schema writer = writerSchemaOf(topic, data);
        verifyBody(topic, data, HEADER_LENGTH, writer);
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
        if (data.length < HEADER_LENGTH || data[0] != MARKER_0 || data[1] != MARKER_1) {
            throw new UndecodableRecordException(topic, data, Reason.NOT_SINGLE_OBJECT_ENCODING,
                    "neither the Confluent wire format (00 + 4-byte schema id) nor Avro single-object encoding"
                            + " (C3 01 + 8-byte schema fingerprint, at least " + HEADER_LENGTH + " bytes)");
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

    /** Confluent wire format: 00, the schema id, the body. */
    private T fromConfluent(String topic, byte[] data) {
        if (data.length < CONFLUENT_HEADER_LENGTH) {
            throw new UndecodableRecordException(topic, data, Reason.CORRUPT_BODY,
                    "starts with 00 (Confluent wire format) but has no room for the 4-byte schema id");
        }
        int id = ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
        IdReader<T> idReader = readerFor(topic, data, id);
        if (idReader.refusal() != null) {
            throw new UndecodableRecordException(topic, data, idReader.refusal(), idReader.why());
        }
        verifyBody(topic, data, CONFLUENT_HEADER_LENGTH, idReader.writer());
        try {
            BinaryDecoder body = DecoderFactory.get().binaryDecoder(data, CONFLUENT_HEADER_LENGTH,
                    data.length - CONFLUENT_HEADER_LENGTH, null);
            return type.cast(idReader.reader().read(null, body));
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecordException(topic, data, Reason.CORRUPT_BODY, "body does not decode as "
                    + idReader.writer().getFullName() + " (schema id " + id + "): " + describe(e), e);
        }
    }

    /**
     * How to read values written with registry id {@code id}; verdicts are cached (an id never changes meaning), the
     * registry's unavailability is not (it is thrown, for the caller to retry).
     */
    private IdReader<T> readerFor(String topic, byte[] data, int id) {
        IdReader<T> known = readersById.get(id);
        if (known != null) {
            return known;
        }
        RegisteredSchemas registry = wire.registry().orElse(null);
        if (registry == null) {
            throw new UndecodableRecordException(topic, data, Reason.CONFLUENT_WIRE_FORMAT, "Confluent wire format (schema id "
                    + id + ") but no schema registry is configured (SCHEMA_REGISTRY_URL) to resolve it");
        }
        Schema writer;
        try {
            writer = registry.schema(id);
        } catch (RegisteredSchemas.UnknownSchemaIdException e) {
            // not cached: the id may yet be registered (it is remembered as unknown for a while by the registry cache)
            throw new UndecodableRecordException(topic, data, Reason.UNKNOWN_SCHEMA_ID, e.getMessage()
                    + "; written by a producer against another registry, or not ours", e);
        } catch (SchemaRegistryUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UndecodableRecordException(topic, data, Reason.UNKNOWN_SCHEMA_ID, "schema id " + id
                    + " cannot be used: " + describe(e), e);
        }
        return readersById.computeIfAbsent(id, i -> judge(i, writer));
    }

    private IdReader<T> judge(int id, Schema writer) {
        if (writer.getType() != Schema.Type.RECORD || !(writer.getFullName().equals(schema.getFullName())
                || schema.getAliases().contains(writer.getFullName()))) {
            Optional<SchemaHistory.Version> other = writer.getType() == Schema.Type.RECORD
                    ? SchemaHistory.bundled().byFingerprint(SchemaNormalization.parsingFingerprint64(writer)) : Optional.empty();
            return new IdReader<>(writer, null, Reason.WRONG_RECORD_TYPE, "schema id " + id + " is "
                    + other.map(Object::toString).orElse(writer.getType() == Schema.Type.RECORD ? writer.getFullName() : writer.getType().getName())
                    + ", expected " + schema.getFullName());
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility = SchemaCompatibility.checkReaderWriterCompatibility(schema, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return new IdReader<>(writer, null, Reason.INCOMPATIBLE_SCHEMA, "schema id " + id + " (" + writer.getFullName()
                    + ") cannot be read as the current " + type.getSimpleName() + ": "
                    + compatibility.getResult().getIncompatibilities().stream()
                            .map(i -> i.getType() + " at " + i.getLocation()).toList());
        }
        return new IdReader<>(writer, new SpecificDatumReader<>(writer, schema, model), null, null);
    }

    /**
     * Walks the body against the writer schema without materialising values: every length
     * prefix is checked against the bytes actually present, and nothing may follow the record.
     */
    private static void verifyBody(String topic, byte[] data, int offset, Schema writer) {
        BinaryDecoder body = DecoderFactory.get().binaryDecoder(data, offset, data.length - offset, null);
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
        return "AvroSerde[" + type.getSimpleName() + ", writes " + wire.writes().setting() + ", " + knownFingerprints.size()
                + " shipped writer schemas" + (wire.registry().isPresent() ? ", registry " + wire.registry().get().client().baseUrl() : "") + "]";
    }
}

package com.voxanne.ssot.schemas.serde;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

import com.voxanne.ssot.schemas.serde.UndecodableRecordException.Reason;

/**
 * Serde for a topic that carries several Avro record types under one key, so that one aggregate's records of every type
 * keep their order (the requests topic: ProvisionNumberRequest and ReleaseNumberRequest; the event log:
 * NumberProvisioned and NumberReleased).
 *
 * <p>Writing picks the {@link AvroSerde} of the value's class (each writes under its own subject, see
 * {@link AvroSerde.SubjectNaming}). Reading dispatches on the writer schema the bytes name (fingerprint or registry id):
 * each type's serde refuses bytes of another record type with {@link Reason#WRONG_RECORD_TYPE} and the next one is
 * asked; any other verdict (corrupt body, unknown schema, registry down) is the answer. Bytes of a type none of them
 * accepts are {@link Reason#WRONG_RECORD_TYPE} naming the accepted types, for the caller's DLQ.
 *
 * <p>Immutable and thread-safe like the serdes it holds.
 */
public final class MultiRecordSerde extends StatelessSerde<SpecificRecord> {

    private final Map<Class<?>, AvroSerde<?>> byType;

    private MultiRecordSerde(Map<Class<?>, AvroSerde<?>> byType) {
        this.byType = byType;
    }

    /**
     * A serde for the given types, asked in this order when reading.
     *
     * @throws IllegalArgumentException for no types, or two serdes of one type
     */
    public static MultiRecordSerde of(List<AvroSerde<? extends SpecificRecord>> serdes) {
        Objects.requireNonNull(serdes, "serdes");
        if (serdes.isEmpty()) {
            throw new IllegalArgumentException("a multi-record serde needs at least one record type");
        }
        Map<Class<?>, AvroSerde<?>> byType = new LinkedHashMap<>();
        for (AvroSerde<?> serde : serdes) {
            if (byType.putIfAbsent(serde.type(), serde) != null) {
                throw new IllegalArgumentException("two serdes for " + serde.type().getName());
            }
        }
        return new MultiRecordSerde(byType);
    }

    /** The record classes this serde reads and writes, in dispatch order. */
    public List<Class<?>> types() {
        return List.copyOf(byType.keySet());
    }

    @Override
    @SuppressWarnings("unchecked")
    protected byte[] toBytes(String topic, SpecificRecord data) {
        AvroSerde<SpecificRecord> serde = (AvroSerde<SpecificRecord>) byType.get(data.getClass());
        if (serde == null) {
            throw new SerializationException("topic '" + topic + "' carries " + names() + ", not "
                    + data.getClass().getSimpleName());
        }
        return serde.serialize(topic, data);
    }

    @Override
    protected SpecificRecord fromBytes(String topic, byte[] data) {
        List<String> refusals = new ArrayList<>();
        for (AvroSerde<?> serde : byType.values()) {
            try {
                return serde.deserialize(topic, data);
            } catch (UndecodableRecordException e) {
                if (e.reason() != Reason.WRONG_RECORD_TYPE) {
                    throw e;
                }
                refusals.add(e.detail());
            }
        }
        throw new UndecodableRecordException(topic, data, Reason.WRONG_RECORD_TYPE, "not one of the record types this"
                + " reader accepts on the topic " + names() + ": " + refusals.get(0));
    }

    private List<String> names() {
        return byType.keySet().stream().map(Class::getSimpleName).toList();
    }

    @Override
    public String toString() {
        return "MultiRecordSerde" + names();
    }
}

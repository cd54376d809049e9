package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.CdcRows;
import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.SsotRow;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of a CDC topic's values as rows: reads the relay's JSON, where a delete
 * ({@code "__deleted":"true"}) and a tombstone both read as null, which is exactly what a KTable source
 * treats as "remove this key". Writes a row in the same column-name JSON (for tests and tools); the KTable stores
 * use the binary {@link StoredRowSerde} instead.
 * A malformed value throws, and the deserialization handler parks it on the topic's dead-letter topic.
 */
public final class CdcRowSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private final Function<byte[], T> reader;
    private final Function<T, byte[]> writer;

    private CdcRowSerde(Function<byte[], T> reader, Function<T, byte[]> writer) {
        this.reader = reader;
        this.writer = writer;
    }

    public static CdcRowSerde<ManagedNumberRow> managedNumbers() {
        return new CdcRowSerde<>(CdcRows::managedNumber, CdcRows::write);
    }

    public static CdcRowSerde<SsotRow> orgCredentials() {
        return new CdcRowSerde<>(CdcRows::ssotRow, CdcRows::write);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : writer.apply(data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : reader.apply(data);
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure
    }

    @Override
    public void close() {
        // nothing to release
    }
}

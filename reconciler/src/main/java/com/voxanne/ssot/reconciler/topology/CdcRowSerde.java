package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.CdcRows;
import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.SsotRow;
import com.voxanne.ssot.schemas.serde.StatelessSerde;
import java.util.function.Function;

/**
 * Serde of a CDC topic's values as rows: reads the relay's JSON, where a delete
 * ({@code "__deleted":"true"}) and a tombstone both read as null, which is exactly what a KTable source
 * treats as "remove this key". Writes a row in the same column-name JSON (for tests and tools); the KTable stores
 * use the binary {@link StoredRowSerde} instead.
 * A malformed value throws, and the deserialization handler parks it on the topic's dead-letter topic.
 */
public final class CdcRowSerde<T> extends StatelessSerde<T> {
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
    protected byte[] toBytes(String topic, T data) {
        return writer.apply(data);
    }

    @Override
    protected T fromBytes(String topic, byte[] data) {
        return reader.apply(data);
    }
}

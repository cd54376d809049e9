package com.voxanne.ssot.reconciler.topology;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.schemas.serde.StatelessSerde;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * JSON serde for the reconciler's own state-store values (records of the model package). Internal
 * format: unknown properties are ignored so that a newer version's extra fields do not break a rollback.
 */
public final class JsonSerde<T> extends StatelessSerde<T> {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    protected byte[] toBytes(String topic, T data) {
        try {
            return JSON.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + type.getSimpleName() + " as JSON for " + topic, e);
        }
    }

    @Override
    protected T fromBytes(String topic, byte[] data) {
        try {
            return JSON.readValue(data, type);
        } catch (IOException e) {
            throw new SerializationException("cannot read " + type.getSimpleName() + " from JSON of " + topic, e);
        }
    }
}

package com.voxanne.ssot.schemas.serde;

import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serde that is its own serializer and deserializer, with nothing to configure or release, so one instance can serve
 * any number of producers, consumers and stores. A null value is a tombstone both ways and never reaches the format:
 * subclasses only turn a value into bytes and back, and throw their own errors for bytes they cannot read.
 */
public abstract class StatelessSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    /** @param data never null */
    protected abstract byte[] toBytes(String topic, T data);

    /** @param data never null (it may be empty) */
    protected abstract T fromBytes(String topic, byte[] data);

    @Override
    public final byte[] serialize(String topic, T data) {
        return data == null ? null : toBytes(topic, data);
    }

    @Override
    public final T deserialize(String topic, byte[] data) {
        return data == null ? null : fromBytes(topic, data);
    }

    @Override
    public final Serializer<T> serializer() {
        return this;
    }

    @Override
    public final Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public final void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure: everything a subclass needs is given at construction
    }

    @Override
    public final void close() {
        // nothing to release
    }
}

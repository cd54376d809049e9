package com.voxanne.ssot.reconciler.query;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Where the queries find the reconciler's key-value stores: the running {@link KafkaStreams} instance
 * in production (interactive queries), a {@code TopologyTestDriver} in tests.
 */
@FunctionalInterface
public interface StoreAccess {
    /**
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException while the store cannot be
     *         queried (starting, rebalancing, stopped)
     */
    <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String name);

    /** Interactive queries over the local instance's partitions (all of them with a single instance). */
    static StoreAccess of(KafkaStreams streams) {
        return new StoreAccess() {
            @Override
            public <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String name) {
                return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
            }
        };
    }
}

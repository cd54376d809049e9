package com.voxanne.ssot.faults.system;

/**
 * The infrastructure faults: the Kafka broker, the PostgreSQL server and the schema registry under the pipeline, stopped and started on the
 * same ports and data. Implemented over the embedded stack ({@link EmbeddedStackFaults}) and the test kit.
 */
public interface StackFaults {
    /** Stops and starts the broker; returns once it accepts connections again. */
    void restartKafka();

    /** Stops PostgreSQL (fast shutdown: clients are cut off). */
    void stopPostgres();

    /** Starts PostgreSQL again; returns once it accepts connections. */
    void startPostgres();

    /** Stops the schema registry (its process gone). */
    void stopSchemaRegistry();

    /** Starts the schema registry again on the same port and data; returns once it answers. */
    void startSchemaRegistry();

    /** The schema registry's Confluent-compatible API base, for SCHEMA_REGISTRY_URL. */
    String schemaRegistryUrl();
}

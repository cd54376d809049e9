package com.voxanne.ssot.faults.system;

/**
 * The infrastructure faults: the Kafka broker and the PostgreSQL server under the pipeline, stopped and started on the
 * same ports and data. Implemented over the embedded stack ({@link EmbeddedStackFaults}) and the test kit.
 */
public interface StackFaults {
    /** Stops and starts the broker; returns once it accepts connections again. */
    void restartKafka();

    /** Stops PostgreSQL (fast shutdown: clients are cut off). */
    void stopPostgres();

    /** Starts PostgreSQL again; returns once it accepts connections. */
    void startPostgres();
}

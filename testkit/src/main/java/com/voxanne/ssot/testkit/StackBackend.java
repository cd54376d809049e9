package com.voxanne.ssot.testkit;

import com.voxanne.ssot.platform.config.Secret;
import java.util.Optional;

/** Where the test stack's Kafka, PostgreSQL and schema registry come from: embedded, external, or Testcontainers. */
interface StackBackend {

    TestStack.Mode mode();

    String bootstrapServers();

    /** JDBC URL of {@code database} on the stack's PostgreSQL. */
    String jdbcUrl(String database);

    /** The database to connect to for CREATE/DROP DATABASE and replication-slot housekeeping. */
    String maintenanceDatabase();

    String user();

    Optional<Secret> password();

    /** The Confluent-compatible schema registry's base URL, what {@code SCHEMA_REGISTRY_URL} means. */
    String schemaRegistryUrl();

    default void stopPostgres() {
        throw unsupported("stopPostgres()");
    }

    default void startPostgres() {
        throw unsupported("startPostgres()");
    }

    default void restartKafka() {
        throw unsupported("restartKafka()");
    }

    default void stopSchemaRegistry() {
        throw unsupported("stopSchemaRegistry()");
    }

    default void startSchemaRegistry() {
        throw unsupported("startSchemaRegistry()");
    }

    /** Stops Kafka (first step of the shutdown: replication slots are dropped after it, PostgreSQL last). */
    void stopKafka();

    /** Stops PostgreSQL (and the schema registry) and frees what the backend holds (containers, data directories). */
    void stopPostgresForGood();

    private UnsupportedOperationException unsupported(String operation) {
        return new UnsupportedOperationException(operation + " needs the embedded test stack (it owns the processes); the stack runs in "
                + mode() + " mode. Guard the test with assumeTrue(TestStack.get().mode() == TestStack.Mode.EMBEDDED)");
    }
}

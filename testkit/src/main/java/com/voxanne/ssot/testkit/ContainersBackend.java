package com.voxanne.ssot.testkit;

import com.voxanne.ssot.platform.config.Secret;
import java.util.Optional;
import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * Kafka ({@code apache/kafka:<kafka-clients version>}) and PostgreSQL ({@code postgres:17}, wal_level=logical) in
 * containers; chosen with {@code -Dssot.testkit.mode=testcontainers} (the parent's Maven profile {@code testcontainers}).
 * Needs a Docker engine. Images can be overridden with {@code -Dssot.testkit.kafkaImage} and
 * {@code -Dssot.testkit.postgresImage}.
 */
final class ContainersBackend implements StackBackend {
    static final String KAFKA_IMAGE_PROPERTY = "ssot.testkit.kafkaImage";
    static final String POSTGRES_IMAGE_PROPERTY = "ssot.testkit.postgresImage";

    private final KafkaContainer kafka;
    private final PostgreSQLContainer<?> postgres;
    private final ExternalBackend.JdbcUrl maintenanceUrl;

    private ContainersBackend(KafkaContainer kafka, PostgreSQLContainer<?> postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
        this.maintenanceUrl = ExternalBackend.JdbcUrl.parse(postgres.getJdbcUrl());
    }

    @SuppressWarnings("resource") // closed in stopKafka() / stopPostgresForGood()
    static ContainersBackend start() {
        String kafkaImage = System.getProperty(KAFKA_IMAGE_PROPERTY, "apache/kafka:" + AppInfoParser.getVersion());
        String postgresImage = System.getProperty(POSTGRES_IMAGE_PROPERTY, "postgres:17");
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(kafkaImage).asCompatibleSubstituteFor("apache/kafka"))
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_NUM_PARTITIONS", "3")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        PostgreSQLContainer<?> postgres = new PostgreSQLContainer<>(DockerImageName.parse(postgresImage).asCompatibleSubstituteFor("postgres"))
                .withCommand("postgres",
                        "-c", "wal_level=logical",
                        "-c", "synchronous_commit=on",
                        "-c", "fsync=on",
                        "-c", "max_replication_slots=32",
                        "-c", "max_wal_senders=32",
                        "-c", "max_connections=300");
        try {
            Startables.deepStart(kafka, postgres).join();
        } catch (RuntimeException e) {
            kafka.close();
            postgres.close();
            throw new IllegalStateException("could not start the Testcontainers test stack (" + kafkaImage + ", " + postgresImage
                    + "); is a Docker engine running?", e);
        }
        return new ContainersBackend(kafka, postgres);
    }

    @Override
    public TestStack.Mode mode() {
        return TestStack.Mode.TESTCONTAINERS;
    }

    @Override
    public String bootstrapServers() {
        return kafka.getBootstrapServers();
    }

    @Override
    public String jdbcUrl(String database) {
        return maintenanceUrl.withDatabase(database);
    }

    @Override
    public String maintenanceDatabase() {
        return maintenanceUrl.database();
    }

    @Override
    public String user() {
        return postgres.getUsername();
    }

    @Override
    public Optional<Secret> password() {
        return Optional.of(Secret.of(postgres.getPassword()));
    }

    /** No registry container yet: the tests that need one run in embedded or external mode. */
    @Override
    public String schemaRegistryUrl() {
        throw new UnsupportedOperationException("the Testcontainers test stack runs no schema registry (Kafka and PostgreSQL only);"
                + " run the tests in embedded mode (the default, a real Apicurio) or external mode with "
                + ExternalBackend.SCHEMA_REGISTRY_URL_ENV);
    }

    @Override
    public void stopKafka() {
        kafka.close();
    }

    @Override
    public void stopPostgresForGood() {
        postgres.close();
    }
}

package com.voxanne.ssot.cli.runtime;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a command finds Kafka, Postgres and the schema registry: the configured ones (KAFKA_BOOTSTRAP_SERVERS,
 * DATABASE_URL, SCHEMA_REGISTRY_URL), else the embedded stack a running {@code ./ssot up} announced in its data
 * directory. An exported SCHEMA_REGISTRY_URL wins over the announced one, as exported Kafka and Postgres settings do.
 */
public record Environment(ConfigSource source, SsotConfig config, boolean discovered) {
    /** The Confluent-compatible schema registry's base URL. */
    public static final String SCHEMA_REGISTRY_URL = "SCHEMA_REGISTRY_URL";

    public static Environment resolve(ConfigSource source) {
        SsotConfig config = SsotConfig.from(source);
        if (!config.embeddedDefault()) {
            return new Environment(source, config, false);
        }
        Optional<Map<String, String>> running = Discovery.read(config.dataDir());
        if (running.isEmpty()) {
            return new Environment(source, config, false);
        }
        Map<String, String> announced = new HashMap<>(running.get());
        if (source.get(SCHEMA_REGISTRY_URL).isPresent()) {
            announced.remove(SCHEMA_REGISTRY_URL);
        }
        ConfigSource merged = source.withOverrides(announced);
        return new Environment(merged, SsotConfig.from(merged), true);
    }

    public DatabaseSettings database() {
        String url = config.databaseUrl().orElseThrow(() -> new ConfigException(
                "no database: set DATABASE_URL (and DATABASE_USER, DATABASE_PASSWORD), or start the embedded stack with"
                        + " `./ssot up` (looked for " + Discovery.file(config.dataDir()) + ")"));
        return new DatabaseSettings(url, config.databaseUser(), config.databasePassword());
    }

    /** A context for running a service's logic once from a command (fresh metrics and health registries). */
    public com.voxanne.ssot.platform.service.ServiceContext serviceContext() {
        return new com.voxanne.ssot.platform.service.ServiceContext(config, source, kafka(), database(),
                com.voxanne.ssot.platform.metrics.Metrics.newRegistry(), new com.voxanne.ssot.platform.http.HealthRegistry(),
                config.redactor());
    }

    public KafkaClients kafka() {
        String bootstrap = config.kafkaBootstrapServers().orElseThrow(() -> new ConfigException(
                "no Kafka: set KAFKA_BOOTSTRAP_SERVERS, or start the embedded stack with `./ssot up` (looked for "
                        + Discovery.file(config.dataDir()) + ")"));
        return new KafkaClients(bootstrap, config.kafkaClientProperties());
    }
}

package com.voxanne.ssot.cli.runtime;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import java.util.Map;
import java.util.Optional;

/**
 * Where a command finds Kafka and Postgres: the configured ones (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL),
 * else the embedded stack a running {@code ./ssot up} announced in its data directory.
 */
public record Environment(ConfigSource source, SsotConfig config, boolean discovered) {

    public static Environment resolve(ConfigSource source) {
        SsotConfig config = SsotConfig.from(source);
        if (!config.embeddedDefault()) {
            return new Environment(source, config, false);
        }
        Optional<Map<String, String>> running = Discovery.read(config.dataDir());
        if (running.isEmpty()) {
            return new Environment(source, config, false);
        }
        ConfigSource merged = source.withOverrides(running.get());
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

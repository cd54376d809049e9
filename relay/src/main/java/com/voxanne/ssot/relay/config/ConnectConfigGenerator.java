package com.voxanne.ssot.relay.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the Kafka Connect form of the relay ({@code POST /connectors} body) from the same code the
 * embedded engine uses, for deployments that run Debezium in a Connect cluster instead of
 * {@code ssot run relay}. The checked-in copy ({@value #RESOURCE}) is compared with a fresh rendering by a
 * test, so a change to {@link RelayConnectorConfig} that is not regenerated fails the build.
 *
 * <p>Regenerate: {@code java -cp <relay classpath> com.voxanne.ssot.relay.config.ConnectConfigGenerator
 * relay/src/main/resources/connect/ssot-relay.json}.
 *
 * <p>The rendering targets the docker-compose network ({@code postgres:5432/ssot}, user {@code ssot});
 * the worker must enable the env config provider ({@code config.providers=env},
 * {@code config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider}) so
 * that {@code ${env:DATABASE_PASSWORD}} resolves, and must have the Debezium Postgres connector on its
 * plugin path.
 */
public final class ConnectConfigGenerator {
    /** Classpath location of the checked-in rendering. */
    public static final String RESOURCE = "/connect/ssot-relay.json";

    /** The deployment the checked-in file describes (docker-compose.yml's names). */
    public static final Map<String, String> COMPOSE_SETTINGS = Map.of(
            "DATABASE_URL", "jdbc:postgresql://postgres:5432/ssot",
            "DATABASE_USER", "ssot",
            "RELAY_SLOT_NAME", RelaySettings.DEFAULT_SLOT_NAME);

    private ConnectConfigGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "relay/src/main/resources" + RESOURCE);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, render(composeSettings()), StandardCharsets.UTF_8);
        System.out.println("wrote " + out.toAbsolutePath());
    }

    /** The settings of the compose deployment, built through the same path as a running relay's. */
    public static RelaySettings composeSettings() {
        ConfigSource source = ConfigSource.of(COMPOSE_SETTINGS);
        SsotConfig config = SsotConfig.from(source);
        DatabaseSettings database = new DatabaseSettings(COMPOSE_SETTINGS.get("DATABASE_URL"),
                COMPOSE_SETTINGS.get("DATABASE_USER"), Optional.empty());
        return RelaySettings.from(source, config, database);
    }

    /** {@code {"name": ..., "config": {...}}}, pretty-printed with a trailing newline. */
    public static String render(RelaySettings settings) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", RelayConnectorConfig.CONNECTOR_NAME);
        body.put("config", RelayConnectorConfig.connect(settings));
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return new ObjectMapper().writer(printer).writeValueAsString(body) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the Connect config", e);
        }
    }
}

package com.voxanne.ssot.cli.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.config.ConfigSource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other commands find a running {@code ./ssot up}'s Kafka, PostgreSQL and schema registry through its discovery file. */
class EnvironmentTest {
    private static final Map<String, String> ANNOUNCED = Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:40123",
            "DATABASE_URL", "jdbc:postgresql://127.0.0.1:40321/ssot",
            "DATABASE_USER", "postgres",
            "SCHEMA_REGISTRY_URL", "http://127.0.0.1:40567/apis/ccompat/v7",
            "STATUS_URL", "http://127.0.0.1:8080/");

    @TempDir
    Path dataDir;

    @Test
    void shouldHandTheAnnouncedSchemaRegistryToTheOtherCommands() throws Exception {
        // given a live up announced its stack (this JVM's pid stands for it)
        Discovery.write(dataDir, ANNOUNCED);

        Environment env = Environment.resolve(ConfigSource.of(Map.of("SSOT_DATA_DIR", dataDir.toString())));

        assertThat(env.discovered()).isTrue();
        assertThat(env.source().get("SCHEMA_REGISTRY_URL")).contains("http://127.0.0.1:40567/apis/ccompat/v7");
        assertThat(env.config().kafkaBootstrapServers()).contains("127.0.0.1:40123");
    }

    @Test
    void shouldLetAnExportedSchemaRegistryUrlWinOverTheAnnouncedOne() throws Exception {
        Discovery.write(dataDir, ANNOUNCED);

        Environment env = Environment.resolve(ConfigSource.of(Map.of("SSOT_DATA_DIR", dataDir.toString(),
                "SCHEMA_REGISTRY_URL", "http://registry.example:8080/apis/ccompat/v7")));

        assertThat(env.discovered()).isTrue();
        assertThat(env.source().get("SCHEMA_REGISTRY_URL")).contains("http://registry.example:8080/apis/ccompat/v7");
        assertThat(env.config().databaseUrl()).contains("jdbc:postgresql://127.0.0.1:40321/ssot");
    }
}

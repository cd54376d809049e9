package com.voxanne.ssot.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.kafka.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SsotConfigTest {

    @Test
    void shouldUseEmbeddedDefaultWhenNoKafkaOrDatabaseConfigured() {
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of()));

        assertThat(config.embeddedDefault()).isTrue();
        assertThat(config.grace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.twilio()).isEmpty();
        assertThat(config.vapi().baseUrl()).isEqualTo("https://api.vapi.ai");
    }

    @Test
    void shouldMapKafkaPrefixedVariablesToClientProperties() {
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_HEAP_OPTS", "-Xmx1g")));

        assertThat(config.kafkaBootstrapServers()).contains("k1:9092,k2:9092");
        assertThat(config.kafkaClientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .doesNotContainKey("bootstrap.servers")
                .doesNotContainKey("heap.opts");
        assertThat(config.embeddedDefault()).isFalse();
    }

    @Test
    void shouldRefuseOverridesOfTheSettingsTheNoLossGuaranteesRestOnNamingEachVariable() {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "k1:9092", "DATABASE_URL", "jdbc:postgresql://db/ssot",
                "KAFKA_ENABLE_AUTO_COMMIT", "true", "KAFKA_ACKS", "1", "KAFKA_ISOLATION_LEVEL", "read_uncommitted",
                "KAFKA_ENABLE_IDEMPOTENCE", "false", "KAFKA_PROCESSING_GUARANTEE", "at_least_once",
                "KAFKA_TRANSACTIONAL_ID", "mine", "KAFKA_SECURITY_PROTOCOL", "SSL");

        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(env)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("KAFKA_ENABLE_AUTO_COMMIT cannot be overridden")
                .hasMessageContaining("KAFKA_ACKS cannot be overridden")
                .hasMessageContaining("KAFKA_ISOLATION_LEVEL cannot be overridden")
                .hasMessageContaining("KAFKA_ENABLE_IDEMPOTENCE cannot be overridden")
                .hasMessageContaining("KAFKA_PROCESSING_GUARANTEE cannot be overridden")
                .hasMessageContaining("KAFKA_TRANSACTIONAL_ID cannot be overridden")
                .hasMessageNotContaining("SECURITY_PROTOCOL");
    }

    @Test
    void shouldKeepTheDurableProducerAndCommittedReadsWhateverClientPropertiesItIsGiven() {
        KafkaClients clients = new KafkaClients("k1:9092", Map.of("acks", "1", "enable.auto.commit", "true",
                "isolation.level", "read_uncommitted", "security.protocol", "SSL"));

        assertThat(clients.producer("p")).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("security.protocol", "SSL");
        assertThat(clients.consumer("g", "c")).containsEntry("enable.auto.commit", false)
                .containsEntry("isolation.level", "read_committed");
    }

    @Test
    void shouldRejectNonPositiveGraceWithTheSettingName() {
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SSOT_GRACE", "0s"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SSOT_GRACE must be > 0");
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SSOT_GRACE", "soon"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SSOT_GRACE must be a duration");
    }

    @Test
    void shouldParseDurationsInCommonUnits() {
        assertThat(ConfigSource.parseDuration("X", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ConfigSource.parseDuration("X", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(ConfigSource.parseDuration("X", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ConfigSource.parseDuration("X", "2h")).isEqualTo(Duration.ofHours(2));
        assertThat(ConfigSource.parseDuration("X", "30d")).isEqualTo(Duration.ofDays(30));
        assertThat(ConfigSource.parseDuration("X", "45")).isEqualTo(Duration.ofSeconds(45));
        assertThat(ConfigSource.parseDuration("X", "PT1M")).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void shouldMapTopicVariablesToTopicRegistryIds() {
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of(
                "TOPIC_VIOLATIONS", "alerts.ssot",
                "TOPIC_CDC_ORG_CREDENTIALS", "cdc.creds")));

        assertThat(config.topicNames())
                .containsExactlyInAnyOrderEntriesOf(Map.of("VIOLATIONS", "alerts.ssot", "CDC_ORG_CREDENTIALS", "cdc.creds"));
    }

    @Test
    void shouldRequireTwilioSidAndTokenTogether() {
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("TWILIO_ACCOUNT_SID", "AC" + "0".repeat(32)))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together");
    }

    @Test
    void shouldRejectNonPostgresJdbcUrlWithoutEchoingItsPassword() {
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("DATABASE_URL", "jdbc:mysql://db/x?password=hunter2"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("DATABASE_URL must be a PostgreSQL JDBC URL")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void shouldNeverPrintSecretsWhenTheConfigIsPrinted() {
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of(
                "TWILIO_ACCOUNT_SID", "AC" + "1".repeat(32),
                "TWILIO_AUTH_TOKEN", "tw-token-SECRET-123",
                "VAPI_API_KEY", "vapi-key-SECRET-456",
                "DATABASE_PASSWORD", "db-pass-SECRET-789")));

        assertThat(config.toString())
                .doesNotContain("tw-token-SECRET-123", "vapi-key-SECRET-456", "db-pass-SECRET-789");
        assertThat(config.secrets()).hasSize(3);
    }

    @Test
    void shouldTreatKafkaTlsAndSaslCredentialsAsSecretsAndNeverPrintThem() {
        // given TLS and SASL settings as a user would export them
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/certs/truststore.p12",
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-pass-SECRET-1",
                "KAFKA_SSL_KEYSTORE_PASSWORD", "key-pass-SECRET-2",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"jaas-SECRET-3\";")));

        // then the clients get them, and neither the printed config nor a redacted message shows them
        assertThat(config.kafkaClientProperties()).containsEntry("ssl.truststore.password", "trust-pass-SECRET-1")
                .containsEntry("security.protocol", "SASL_SSL");
        assertThat(config.toString()).contains("security.protocol=SASL_SSL", "/certs/truststore.p12")
                .doesNotContain("trust-pass-SECRET-1", "key-pass-SECRET-2", "jaas-SECRET-3");
        assertThat(config.secrets()).hasSize(3);
        String leaked = "handshake failed with keystore key-pass-SECRET-2 and jaas " + config.kafkaClientProperties().get("sasl.jaas.config");
        assertThat(config.redactor().redact(leaked)).doesNotContain("key-pass-SECRET-2", "jaas-SECRET-3");
    }

    @Test
    void shouldLetEnvironmentWinOverThePropertiesFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ssot.properties");
        Files.writeString(file, "SSOT_GRACE=10s\nSSOT_HTTP_PORT=9000\n");

        SsotConfig config = SsotConfig.from(ConfigSource.layered(Map.of(
                "SSOT_CONFIG_FILE", file.toString(),
                "SSOT_HTTP_PORT", "9100")));

        assertThat(config.grace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.httpPort()).isEqualTo(9100);
    }

    @Test
    void shouldReadOnePartitionCountAndReplicationFactorForEveryTopicThePipelineCreates() {
        SsotConfig defaults = SsotConfig.from(ConfigSource.of(Map.of()));
        SsotConfig set = SsotConfig.from(ConfigSource.of(Map.of("SSOT_TOPIC_PARTITIONS", "12",
                "SSOT_TOPIC_REPLICATION_FACTOR", "3", "TOPIC_VIOLATIONS", "acme.violations")));

        assertThat(defaults.topicPartitions()).isEqualTo(6);
        assertThat(defaults.topicReplicationFactor()).isEqualTo(1);
        assertThat(set.topicPlan().topic("acme.violations").orElseThrow().partitions()).isEqualTo(12);
        assertThat(set.topicPlan().topic("cdc.org_credentials").orElseThrow().replicationFactor()).isEqualTo(3);
        assertThat(SsotConfig.TOPIC_VARIABLES).containsEntry("TOPIC_CDC_ORG_CREDENTIALS", "CDC_ORG_CREDENTIALS").hasSize(6);
    }

    @Test
    void shouldRefuseImpossibleTopicSettingsAndTheRetiredReconcilerPartitionCount() {
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SSOT_TOPIC_PARTITIONS", "0",
                "SSOT_TOPIC_REPLICATION_FACTOR", "0"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SSOT_TOPIC_PARTITIONS must be >= 1, was 0")
                .hasMessageContaining("SSOT_TOPIC_REPLICATION_FACTOR must be >= 1, was 0");
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("RECONCILER_TOPIC_PARTITIONS", "3"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("RECONCILER_TOPIC_PARTITIONS is no longer read: use SSOT_TOPIC_PARTITIONS (one partition count for"
                        + " every topic the pipeline creates)");
    }

    @Test
    void shouldWriteTheConfluentFormatExactlyWhenASchemaRegistryIsConfiguredUnlessToldOtherwise() {
        SsotConfig none = SsotConfig.from(ConfigSource.of(Map.of()));
        SsotConfig registry = SsotConfig.from(ConfigSource.of(Map.of("SCHEMA_REGISTRY_URL", "http://registry:8081")));
        SsotConfig pinned = SsotConfig.from(ConfigSource.of(Map.of("SCHEMA_REGISTRY_URL", "http://registry:8081",
                "SSOT_AVRO_WIRE_FORMAT", "single-object")));

        assertThat(none.topics().wire().writes()).isEqualTo(com.voxanne.ssot.schemas.serde.AvroWire.Format.SINGLE_OBJECT);
        assertThat(none.topics().wire().registry()).isEmpty();
        assertThat(registry.topics().wire().writes()).isEqualTo(com.voxanne.ssot.schemas.serde.AvroWire.Format.CONFLUENT);
        assertThat(registry.topics().wire().registry()).isPresent();
        assertThat(pinned.topics().wire().writes()).isEqualTo(com.voxanne.ssot.schemas.serde.AvroWire.Format.SINGLE_OBJECT);
        assertThat(pinned.topics().wire().registry()).as("readers still resolve ids during an upgrade").isPresent();
    }

    @Test
    void shouldRefuseImpossibleSchemaRegistrySettingsNamingTheVariable() {
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SSOT_AVRO_WIRE_FORMAT", "confluent"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs SCHEMA_REGISTRY_URL");
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SSOT_AVRO_WIRE_FORMAT", "protobuf"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SSOT_AVRO_WIRE_FORMAT");
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SCHEMA_REGISTRY_URL", "http://bob:hunter2@registry:8081"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> SsotConfig.from(ConfigSource.of(Map.of("SCHEMA_REGISTRY_URL", "http://registry:8081",
                "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "bob:hunter2", "SCHEMA_REGISTRY_BEARER_AUTH_TOKEN", "t0ken"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not both").hasMessageNotContaining("hunter2");
    }

    @Test
    void shouldTreatSchemaRegistryCredentialsAsSecrets() {
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of("SCHEMA_REGISTRY_URL", "http://registry:8081",
                "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "bob:hunter2")));

        assertThat(config.toString()).doesNotContain("hunter2").contains("http://registry:8081");
        assertThat(config.redactor().redact("registry said: bob:hunter2 refused")).doesNotContain("hunter2");
    }

    @Test
    void shouldTreatTheOtlpExporterHeadersAsSecretsWholeAndHeaderByHeader() {
        // given collector credentials in the standard OTLP header variables
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of(
                "OTEL_EXPORTER_OTLP_HEADERS", "api-key=otlp-SECRET-1,x-tenant=otlp-SECRET-2",
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "authorization=Bearer otlp-SECRET-3")));

        // then neither the printed config nor a redacted message shows any of them, whole or one header alone
        assertThat(config.toString()).doesNotContain("otlp-SECRET");
        assertThat(config.redactor().redact("export failed, headers api-key=otlp-SECRET-1,x-tenant=otlp-SECRET-2"))
                .doesNotContain("otlp-SECRET");
        assertThat(config.redactor().redact("collector refused tenant otlp-SECRET-2 with token otlp-SECRET-3"))
                .doesNotContain("otlp-SECRET");
    }
}

package com.voxanne.ssot.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TestStackModeTest {
    private static final Map<String, String> EXTERNAL_ENV = Map.of(
            ExternalBackend.KAFKA_ENV, "kafka:9092",
            ExternalBackend.DATABASE_URL_ENV, "jdbc:postgresql://db:5432/postgres?sslmode=require",
            ExternalBackend.SCHEMA_REGISTRY_URL_ENV, "http://registry:8080/apis/ccompat/v7/");

    @Test
    void shouldChooseEmbeddedWhenNothingIsConfigured() {
        assertThat(TestStack.chooseMode(null, Map.of())).isEqualTo(TestStack.Mode.EMBEDDED);
    }

    @Test
    void shouldChooseExternalWhenKafkaAndDatabaseAreNamedInTheEnvironment() {
        assertThat(TestStack.chooseMode(null, EXTERNAL_ENV)).isEqualTo(TestStack.Mode.EXTERNAL);
        assertThat(TestStack.chooseMode(" ", EXTERNAL_ENV)).isEqualTo(TestStack.Mode.EXTERNAL);
    }

    @Test
    void shouldLetTheSystemPropertyWinOverTheEnvironment() {
        assertThat(TestStack.chooseMode("testcontainers", EXTERNAL_ENV)).isEqualTo(TestStack.Mode.TESTCONTAINERS);
        assertThat(TestStack.chooseMode("Embedded", EXTERNAL_ENV)).isEqualTo(TestStack.Mode.EMBEDDED);
    }

    @Test
    void shouldRejectAnUnknownMode() {
        assertThatThrownBy(() -> TestStack.chooseMode("docker", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ssot.testkit.mode");
    }

    @Test
    void shouldPointTestDatabasesAtTheExternalServerKeepingUrlParameters() {
        ExternalBackend backend = ExternalBackend.fromEnvironment(EXTERNAL_ENV);

        assertThat(backend.jdbcUrl("relay_ab12cd_3")).isEqualTo("jdbc:postgresql://db:5432/relay_ab12cd_3?sslmode=require");
        assertThat(backend.maintenanceDatabase()).isEqualTo("postgres");
        assertThat(backend.user()).isEqualTo("postgres");
        assertThat(backend.password()).isEmpty();
    }

    @Test
    void shouldTakeTheSchemaRegistryFromTheEnvironmentInExternalMode() {
        assertThat(ExternalBackend.fromEnvironment(EXTERNAL_ENV).schemaRegistryUrl()).isEqualTo("http://registry:8080/apis/ccompat/v7");
    }

    @Test
    void shouldRequireTheSchemaRegistryUrlInExternalMode() {
        Map<String, String> withoutRegistry = new java.util.HashMap<>(EXTERNAL_ENV);
        withoutRegistry.remove(ExternalBackend.SCHEMA_REGISTRY_URL_ENV);

        // Kafka and PostgreSQL alone still choose external mode, which then names what is missing
        assertThat(TestStack.chooseMode(null, withoutRegistry)).isEqualTo(TestStack.Mode.EXTERNAL);
        assertThatThrownBy(() -> ExternalBackend.fromEnvironment(withoutRegistry))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SSOT_TEST_SCHEMA_REGISTRY_URL")
                .hasMessageContaining("/apis/ccompat/v7");
    }

    @Test
    void shouldRefuseFaultInjectionOutsideTheEmbeddedStack() {
        ExternalBackend backend = ExternalBackend.fromEnvironment(EXTERNAL_ENV);

        assertThatThrownBy(backend::stopPostgres)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("embedded")
                .hasMessageContaining("EXTERNAL");
        assertThatThrownBy(backend::restartKafka).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(backend::stopSchemaRegistry).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("embedded");
        assertThatThrownBy(backend::startSchemaRegistry).isInstanceOf(UnsupportedOperationException.class);
    }
}

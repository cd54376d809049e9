package com.voxanne.ssot.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class RelayConnectorConfigTest {

    private static RelaySettings settings() {
        Map<String, String> env = Map.of("DATABASE_URL", "jdbc:postgresql://pg:6000/ssot?sslmode=require",
                "RELAY_SLOT_NAME", "slot_x", "RELAY_TOPIC_PREFIX", "px");
        ConfigSource source = ConfigSource.of(env);
        return RelaySettings.from(source, SsotConfig.from(source),
                new DatabaseSettings(env.get("DATABASE_URL"), "relay_user", Optional.of(Secret.of("pw-123456"))));
    }

    @Test
    void shouldCaptureTheThreeTablesButSnapshotOnlyTheTwoTablesWhenConfigured() {
        Map<String, String> c = RelayConnectorConfig.capture(settings());

        assertThat(c).containsEntry("table.include.list", "public.outbox,public.managed_phone_numbers,public.org_credentials")
                .containsEntry("snapshot.include.collection.list", "public.managed_phone_numbers,public.org_credentials")
                .containsEntry("snapshot.mode", "initial")
                .containsEntry("plugin.name", "pgoutput")
                .containsEntry("slot.name", "slot_x")
                .containsEntry("publication.name", "ssot_relay")
                .containsEntry("publication.autocreate.mode", "disabled")
                .containsEntry("message.key.columns",
                        "public.managed_phone_numbers:org_id,phone_number;public.org_credentials:org_id,phone_number")
                .containsEntry("poll.interval.ms", "10")
                .containsEntry("transforms.unwrap.delete.tombstone.handling.mode", "rewrite-with-tombstone")
                .containsEntry("transforms.outbox.route.topic.replacement", "telephony.numbers.provisioned")
                .containsEntry("transforms.routeManagedNumbers.regex", "px\\.public\\.managed_phone_numbers")
                .containsEntry("predicates.isOutbox.pattern", "px\\.public\\.outbox");
        assertThat(c.get("heartbeat.action.query")).contains("pg_logical_emit_message");
        assertThat(c).doesNotContainKeys("database.password", "bootstrap.servers");
    }

    @Test
    void shouldKeepOffsetsInKafkaAndLeaveRetriesToTheRelayWhenEmbedded() {
        Properties p = RelayConnectorConfig.engine(settings(), Map.of("bootstrap.servers", "k:9092", "security.protocol", "SSL"));

        assertThat(p).containsEntry("offset.storage", "com.voxanne.ssot.relay.offsets.RelayOffsetStore")
                .containsEntry("offset.storage.topic", "ssot.relay.offsets")
                .containsEntry("offset.storage.partitions", "1")
                .containsEntry("offset.storage.replication.factor", "1")
                .containsEntry("bootstrap.servers", "k:9092")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("errors.max.retries", "0")
                .containsEntry("name", "ssot-relay-slot_x")
                .containsEntry("database.hostname", "pg")
                .containsEntry("database.port", "6000")
                .containsEntry("database.dbname", "ssot")
                .containsEntry("database.user", "relay_user")
                .containsEntry("database.password", "pw-123456")
                .containsEntry("database.sslmode", "require");
    }

    @Test
    void shouldGiveTheReplicationConnectionTheSameTlsVerificationAsTheJdbcUrl() {
        // given DATABASE_URLs as users write them for a TLS-only PostgreSQL
        Map<String, String> verifyFull = connectionOf("jdbc:postgresql://db.internal:5432/ssot?sslmode=verify-full"
                + "&sslrootcert=%2Fetc%2Fssot%2Ftls%2Fca.crt&sslcert=/etc/ssot/tls/relay.crt&sslkey=/etc/ssot/tls/relay.pk8"
                + "&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory");
        Map<String, String> sslTrue = connectionOf("jdbc:postgresql://db.internal:5432/ssot?ssl=true&sslrootcert=/ca.crt");

        // then Debezium's connector verifies exactly as pgjdbc does: the CA, the client certificate, the factory
        assertThat(verifyFull).containsEntry("database.sslmode", "verify-full")
                .containsEntry("database.sslrootcert", "/etc/ssot/tls/ca.crt")
                .containsEntry("database.sslcert", "/etc/ssot/tls/relay.crt")
                .containsEntry("database.sslkey", "/etc/ssot/tls/relay.pk8")
                .containsEntry("database.sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
        assertThat(sslTrue).as("pgjdbc's ssl=true means verify-full").containsEntry("database.sslmode", "verify-full")
                .containsEntry("database.sslrootcert", "/ca.crt");
    }

    private static Map<String, String> connectionOf(String jdbcUrl) {
        Map<String, String> env = Map.of("DATABASE_URL", jdbcUrl, "RELAY_SLOT_NAME", "slot_tls");
        ConfigSource source = ConfigSource.of(env);
        RelaySettings s = RelaySettings.from(source, SsotConfig.from(source), new DatabaseSettings(jdbcUrl, "relay_user", Optional.empty()));
        return RelayConnectorConfig.connect(s);
    }

    @Test
    void shouldRefuseEngineWithoutBootstrapServersWhenKafkaIsNotConfigured() {
        assertThatThrownBy(() -> RelayConnectorConfig.engine(settings(), Map.of()))
                .hasMessageContaining("bootstrap.servers");
    }

    @Test
    void shouldShareTheCaptureAndUsePlaceholderPasswordWhenRenderedForConnect() {
        RelaySettings s = settings();
        Map<String, String> connect = RelayConnectorConfig.connect(s);

        assertThat(connect).containsAllEntriesOf(RelayConnectorConfig.capture(s))
                .containsEntry("database.password", "${env:DATABASE_PASSWORD}")
                .containsEntry("value.converter", "io.debezium.converters.BinaryDataConverter")
                .containsEntry("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        assertThat(connect.values()).doesNotContain("pw-123456");
    }

    @Test
    void shouldMatchTheCheckedInConnectJsonWhenGeneratedNow() throws IOException {
        String generated = ConnectConfigGenerator.render(ConnectConfigGenerator.composeSettings());
        String checkedIn;
        try (InputStream in = getClass().getResourceAsStream(ConnectConfigGenerator.RESOURCE)) {
            assertThat(in).as("checked-in " + ConnectConfigGenerator.RESOURCE).isNotNull();
            checkedIn = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(checkedIn)
                .as("relay/src/main/resources%s is stale: regenerate it with ConnectConfigGenerator (see its Javadoc)",
                        ConnectConfigGenerator.RESOURCE)
                .isEqualTo(generated);
    }
}

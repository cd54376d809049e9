package com.voxanne.ssot.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RelaySettingsTest {

    private static RelaySettings settings(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("DATABASE_URL", "jdbc:postgresql://pg:5432/ssot");
        ConfigSource source = ConfigSource.of(all);
        return RelaySettings.from(source, SsotConfig.from(source),
                new DatabaseSettings(all.get("DATABASE_URL"), "ssot", Optional.of(Secret.of("s3cret-pw"))));
    }

    @Test
    void shouldUseContractDefaultsWhenNothingIsSet() {
        RelaySettings s = settings(Map.of());

        assertThat(s.slotName()).isEqualTo("ssot_relay");
        assertThat(s.publication()).isEqualTo("ssot_relay");
        assertThat(s.offsetsTopic()).isEqualTo("ssot.relay.offsets");
        assertThat(s.offsetsReplicationFactor()).isEqualTo((short) 1);
        assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.pollInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(s.topics()).isEqualTo(new RelaySettings.RoutedTopics("telephony.numbers.provisioned",
                "cdc.managed_phone_numbers", "cdc.org_credentials"));
        assertThat(s.database().host()).isEqualTo("pg");
    }

    @Test
    void shouldTakeRelayVariablesAndTopicOverridesWhenSet() {
        RelaySettings s = settings(Map.of(
                "RELAY_SLOT_NAME", "relay_b",
                "RELAY_PUBLICATION", "pub_b",
                "RELAY_OFFSETS_TOPIC", "b.offsets",
                "RELAY_OFFSETS_REPLICATION_FACTOR", "3",
                "RELAY_TOPIC_PREFIX", "b",
                "RELAY_HEARTBEAT", "2s",
                "TOPIC_NUMBERS_PROVISIONED", "acme.numbers",
                "TOPIC_CDC_MANAGED_NUMBERS", "acme.cdc.mpn",
                "TOPIC_CDC_ORG_CREDENTIALS", "acme.cdc.oc"));

        assertThat(s.slotName()).isEqualTo("relay_b");
        assertThat(s.publication()).isEqualTo("pub_b");
        assertThat(s.offsetsTopic()).isEqualTo("b.offsets");
        assertThat(s.offsetsReplicationFactor()).isEqualTo((short) 3);
        assertThat(s.topicPrefix()).isEqualTo("b");
        assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.topics()).isEqualTo(new RelaySettings.RoutedTopics("acme.numbers", "acme.cdc.mpn", "acme.cdc.oc"));
    }

    @Test
    void shouldNameEveryBadSettingWhenSeveralAreWrong() {
        assertThatThrownBy(() -> settings(Map.of(
                "RELAY_SLOT_NAME", "Bad-Slot",
                "RELAY_HEARTBEAT", "0s",
                "RELAY_MAX_BATCH_SIZE", "100",
                "RELAY_MAX_QUEUE_SIZE", "50")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("RELAY_SLOT_NAME")
                .hasMessageContaining("RELAY_HEARTBEAT must be > 0")
                .hasMessageContaining("RELAY_MAX_QUEUE_SIZE must be > RELAY_MAX_BATCH_SIZE");
    }

    @Test
    void shouldMaskThePasswordWhenPrinted() {
        assertThat(settings(Map.of()).toString()).doesNotContain("s3cret-pw").contains("****");
    }
}

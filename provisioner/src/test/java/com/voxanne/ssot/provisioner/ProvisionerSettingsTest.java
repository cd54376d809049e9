package com.voxanne.ssot.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvisionerSettingsTest {

    @Test
    void shouldUseDocumentedDefaultsWhenNothingIsSet() {
        ProvisionerSettings s = ProvisionerSettings.from(ConfigSource.of(Map.of()));

        assertThat(s.workers()).isEqualTo(8);
        assertThat(s.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.groupId()).isEqualTo("ssot-provisioner");
        assertThat(s.twilioBaseUrl()).hasToString("https://api.twilio.com");
        assertThat(s.simulatedProviders()).isFalse();
        assertThat(s.instanceId()).startsWith("provisioner-");
        assertThat(s.purchaseVisibility()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.circuitProbeInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.twilioMaxConcurrency()).isEqualTo(100);
        assertThat(s.vapiMaxConcurrency()).isEqualTo(100);
    }

    @Test
    void shouldNameEachBadMoneySafetySettingWhenConfigurationIsInvalid() {
        ConfigSource bad = ConfigSource.of(Map.of("PROVISIONER_PURCHASE_VISIBILITY", "0s", "PROVISIONER_CIRCUIT_PROBE_INTERVAL", "0s",
                "PROVISIONER_TWILIO_MAX_CONCURRENCY", "0", "PROVISIONER_VAPI_MAX_CONCURRENCY", "300"));

        assertThatThrownBy(() -> ProvisionerSettings.from(bad))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PROVISIONER_PURCHASE_VISIBILITY must be > 0, was PT0S")
                .hasMessageContaining("PROVISIONER_CIRCUIT_PROBE_INTERVAL must be > 0, was PT0S")
                .hasMessageContaining("PROVISIONER_TWILIO_MAX_CONCURRENCY must be 1..256, was 0")
                .hasMessageContaining("PROVISIONER_VAPI_MAX_CONCURRENCY must be 1..256, was 300");
    }

    @Test
    void shouldNameEachBadSettingWhenConfigurationIsInvalid() {
        ConfigSource bad = ConfigSource.of(Map.of("PROVISIONER_WORKERS", "0", "PROVISIONER_LEASE", "5s",
                "PROVISIONER_HTTP_TIMEOUT", "10s", "TWILIO_BASE_URL", "ftp://x"));

        assertThatThrownBy(() -> ProvisionerSettings.from(bad))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PROVISIONER_WORKERS must be 1..256, was 0")
                .hasMessageContaining("PROVISIONER_LEASE must be at least twice PROVISIONER_HTTP_TIMEOUT")
                .hasMessageContaining("TWILIO_BASE_URL must be an http(s) URL");
    }
}

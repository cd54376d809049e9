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

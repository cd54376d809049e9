package com.voxanne.ssot.projector;

import com.voxanne.ssot.schemas.Topics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProjectorSettingsTest {

    @Test
    void shouldUseDocumentedDefaultsWhenNothingIsSet() {
        ProjectorSettings settings = ProjectorSettings.from(ConfigSource.of(Map.of()));

        assertThat(settings.groupId()).isEqualTo("ssot-projector");
        assertThat(settings.maxPollRecords()).isEqualTo(5000);
        assertThat(settings.poolSize()).isEqualTo(2);
        assertThat(settings.batchDelay()).isZero();
    }

    @Test
    void shouldReadEveryProjectorVariable() {
        ProjectorSettings settings = ProjectorSettings.from(ConfigSource.of(Map.of(
                "PROJECTOR_GROUP_ID", "projector-b",
                "PROJECTOR_MAX_POLL_RECORDS", "200",
                "PROJECTOR_POOL_SIZE", "4",
                "PROJECTOR_BATCH_DELAY", "1500ms",
                "PROJECTOR_RETRY_MAX", "2s")));

        assertThat(settings.groupId()).isEqualTo("projector-b");
        assertThat(settings.maxPollRecords()).isEqualTo(200);
        assertThat(settings.poolSize()).isEqualTo(4);
        assertThat(settings.batchDelay()).isEqualTo(Duration.ofMillis(1500));
        assertThat(settings.retry().max()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldNameEveryBadSettingAtOnce() {
        assertThatThrownBy(() -> ProjectorSettings.from(ConfigSource.of(Map.of(
                "PROJECTOR_MAX_POLL_RECORDS", "0",
                "PROJECTOR_POOL_SIZE", "0",
                "PROJECTOR_BATCH_DELAY", "10m"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PROJECTOR_MAX_POLL_RECORDS must be 1..100000, was 0")
                .hasMessageContaining("PROJECTOR_POOL_SIZE must be >= 1, was 0")
                .hasMessageContaining("PROJECTOR_BATCH_DELAY must be 0..120s");
    }

    @Test
    void shouldHonourTopicOverridesAsPlatformConfigSpellsThem() {
        // given: SsotConfig keys overrides by dashed logical id
        SsotConfig config = SsotConfig.from(ConfigSource.of(Map.of("TOPIC_NUMBERS_PROVISIONED", "acme.numbers")));

        // when / then
        assertThat(config.topics().numbersProvisioned().name()).isEqualTo("acme.numbers");
        assertThat(Topics.withNames(Map.of()).numbersProvisioned().name()).isEqualTo("telephony.numbers.provisioned");
    }
}

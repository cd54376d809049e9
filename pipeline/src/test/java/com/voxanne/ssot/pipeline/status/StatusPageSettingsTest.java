package com.voxanne.ssot.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusPageSettingsTest {
    @Test
    void shouldSampleEvery15SecondsByDefault() {
        assertThat(StatusPageSettings.from(ConfigSource.of(Map.of())).sampleInterval()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void shouldReadTheSampleIntervalAndRefuseOneOutOfRangeByName() {
        assertThat(StatusPageSettings.from(ConfigSource.of(Map.of("SSOT_STATUS_SAMPLE_INTERVAL", "1s"))).sampleInterval())
                .isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> StatusPageSettings.from(ConfigSource.of(Map.of("SSOT_STATUS_SAMPLE_INTERVAL", "10ms"))))
                .isInstanceOf(ConfigException.class).hasMessage("SSOT_STATUS_SAMPLE_INTERVAL must be 100ms..5m, was PT0.01S");
        assertThatThrownBy(() -> StatusPageSettings.from(ConfigSource.of(Map.of("SSOT_STATUS_SAMPLE_INTERVAL", "soon"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SSOT_STATUS_SAMPLE_INTERVAL must be a duration");
    }
}

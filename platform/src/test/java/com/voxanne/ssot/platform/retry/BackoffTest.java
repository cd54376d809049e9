package com.voxanne.ssot.platform.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0);

    @Test
    void shouldGrowExponentiallyUpToTheCap() {
        assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofMillis(1600));
        assertThat(backoff.ceiling(5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.ceiling(1000)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldJitterWithinHalfToFullCeiling() {
        for (int i = 0; i < 200; i++) {
            assertThat(backoff.delay(3)).isBetween(Duration.ofMillis(400), Duration.ofMillis(800));
        }
    }

    @Test
    void shouldRejectNonsenseSettingsWithTheirNames() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2))
                .hasMessageContaining("initial backoff must be > 0");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2))
                .hasMessageContaining("max backoff must be >= initial");
    }
}

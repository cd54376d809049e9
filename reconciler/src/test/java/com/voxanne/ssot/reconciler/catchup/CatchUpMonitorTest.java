package com.voxanne.ssot.reconciler.catchup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

class CatchUpMonitorTest {
    private final AtomicLong lag = new AtomicLong();
    private final CatchUpMonitor monitor = new CatchUpMonitor(lag::get, 10, Duration.ofMillis(100));

    @Test
    void shouldStayClosedUntilRunning() {
        // given no state change yet, lag 0
        monitor.refresh();

        // then the gate is closed: not RUNNING
        assertThat(monitor.caughtUp()).isFalse();
        assertThat(monitor.holdingSince()).isPresent();
    }

    @Test
    void shouldOpenWhenRunningAndLagAtMostThreshold() {
        monitor.onStateChange(KafkaStreams.State.RUNNING);
        lag.set(11);
        monitor.refresh();
        assertThat(monitor.caughtUp()).isFalse();
        assertThat(monitor.lastLag()).isEqualTo(11);

        lag.set(10);
        monitor.refresh();

        assertThat(monitor.caughtUp()).isTrue();
        assertThat(monitor.holdingSince()).isEmpty();
    }

    @Test
    void shouldCloseAtOnceOnRebalance() {
        monitor.onStateChange(KafkaStreams.State.RUNNING);
        monitor.refresh();
        assertThat(monitor.caughtUp()).isTrue();

        monitor.onStateChange(KafkaStreams.State.REBALANCING);

        assertThat(monitor.caughtUp()).isFalse();
    }

    @Test
    void shouldNotReopenFromMeasurementStartedBeforeStateChange() {
        // given a probe during which a rebalance happens and finishes
        CatchUpMonitor[] self = new CatchUpMonitor[1];
        CatchUpMonitor racing = new CatchUpMonitor(() -> {
            self[0].onStateChange(KafkaStreams.State.REBALANCING);
            self[0].onStateChange(KafkaStreams.State.RUNNING);
            return 0;
        }, 10, Duration.ofMillis(100));
        self[0] = racing;
        racing.onStateChange(KafkaStreams.State.RUNNING);

        racing.refresh();

        // then that measurement does not open the gate (it may describe the old assignment)
        assertThat(racing.caughtUp()).isFalse();
    }

    @Test
    void shouldHoldWhenLagCannotBeMeasured() {
        CatchUpMonitor failing = new CatchUpMonitor(() -> {
            throw new java.util.concurrent.TimeoutException("broker unreachable");
        }, 10, Duration.ofMillis(100));
        failing.onStateChange(KafkaStreams.State.RUNNING);

        failing.refresh();

        assertThat(failing.caughtUp()).isFalse();
        assertThat(failing.lastError()).hasValueSatisfying(e -> assertThat(e).contains("broker unreachable"));
    }
}

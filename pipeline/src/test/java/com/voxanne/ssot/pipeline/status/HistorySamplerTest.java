package com.voxanne.ssot.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HistorySamplerTest {
    private static final Instant T0 = Instant.parse("2026-12-02T16:00:00Z");

    /** A clock a test moves by hand. */
    private static final class ManualClock extends Clock {
        private volatile Instant now = T0;

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void shouldKeepOneWindowOfSamplesAtMost() {
        // given 15 s samples over an hour
        HistorySampler sampler = new HistorySampler(Duration.ofSeconds(15), Duration.ofHours(1), new ManualClock(),
                Map.of("c", (since, now) -> Map.of("v", 1.0)));

        // when it samples for longer than the hour
        for (int i = 0; i < 300; i++) {
            sampler.sampleNow();
        }

        // then it holds 240 samples, no more
        assertThat(sampler.capacity()).isEqualTo(240);
        assertThat(sampler.size()).isEqualTo(240);
    }

    @Test
    void shouldLeaveAGapWhenAProbeFailsAndCarryOnWithTheOthersAndTheNextSample() {
        // given a lag probe whose broker is down for the second sample
        ManualClock clock = new ManualClock();
        AtomicBoolean brokerDown = new AtomicBoolean();
        Map<String, HistorySampler.Probe> probes = new LinkedHashMap<>();
        probes.put("consumerLag", (since, now) -> {
            if (brokerDown.get()) {
                throw new IllegalStateException("broker unreachable");
            }
            return Map.of("projector", 3.0);
        });
        probes.put("openViolations", (since, now) -> Map.of("total", 1.0));
        HistorySampler sampler = new HistorySampler(Duration.ofSeconds(15), Duration.ofHours(1), clock, probes);

        // when it samples up, down, up
        sampler.sampleNow();
        clock.advance(Duration.ofSeconds(15));
        brokerDown.set(true);
        sampler.sampleNow();
        clock.advance(Duration.ofSeconds(15));
        brokerDown.set(false);
        sampler.sampleNow();

        // then the lag chart has a gap in the middle, the violations chart none
        @SuppressWarnings("unchecked")
        Map<String, Map<String, List<Double>>> charts = (Map<String, Map<String, List<Double>>>) sampler.snapshot().get("charts");
        assertThat(charts.get("consumerLag").get("projector")).isEqualTo(Arrays.asList(3.0, null, 3.0));
        assertThat(charts.get("openViolations").get("total")).containsExactly(1.0, 1.0, 1.0);
        assertThat(sampler.snapshot().get("times")).asList()
                .containsExactly("2026-12-02T16:00:00Z", "2026-12-02T16:00:15Z", "2026-12-02T16:00:30Z");
    }

    @Test
    void shouldAskEachProbeForTheIntervalSinceThePreviousSample() {
        // given a probe that records the interval it is asked about
        ManualClock clock = new ManualClock();
        List<Instant[]> asked = new ArrayList<>();
        HistorySampler sampler = new HistorySampler(Duration.ofSeconds(15), Duration.ofHours(1), clock,
                Map.of("outcomes", (since, now) -> {
                    asked.add(new Instant[] {since, now});
                    return Map.of();
                }));

        // when it samples twice, 15 s apart
        sampler.sampleNow();
        clock.advance(Duration.ofSeconds(15));
        sampler.sampleNow();

        // then the first covers the interval before it, the second starts where the first ended: nothing counted twice
        assertThat(asked.get(0)).containsExactly(T0.minusSeconds(15), T0);
        assertThat(asked.get(1)).containsExactly(T0, T0.plusSeconds(15));
    }

    @Test
    void shouldSampleOnItsIntervalUntilClosed() throws Exception {
        // given a sampler every 50 ms on the real clock
        Duration interval = Duration.ofMillis(50);
        HistorySampler sampler = new HistorySampler(interval, Duration.ofHours(1), Clock.systemUTC(),
                Map.of("c", (since, now) -> Map.of("v", 1.0)));

        // when started: samples accumulate, spaced by the interval
        sampler.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> sampler.size() >= 5);
        sampler.close();

        // then the span of n samples is at least (n - 2) intervals (a late run may catch up, never run early twice)
        @SuppressWarnings("unchecked")
        List<String> times = (List<String>) sampler.snapshot().get("times");
        Duration span = Duration.between(Instant.parse(times.get(0)), Instant.parse(times.get(times.size() - 1)));
        assertThat(span).isGreaterThanOrEqualTo(interval.multipliedBy(times.size() - 2));
        // and after close no sampler thread is left
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("status-history-sampler") && t.isAlive());
    }

    @Test
    void shouldRefuseANonPositiveIntervalOrAWindowShorterThanIt() {
        assertThatThrownBy(() -> new HistorySampler(Duration.ZERO, Duration.ofHours(1), Clock.systemUTC(), Map.of()))
                .hasMessage("sample interval must be > 0, was PT0S");
        assertThatThrownBy(() -> new HistorySampler(Duration.ofMinutes(5), Duration.ofMinutes(1), Clock.systemUTC(), Map.of()))
                .hasMessageContaining("history window must be >= the sample interval");
    }
}

package com.voxanne.ssot.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void shouldInterpolatePercentilesBetweenClosestRanks() {
        // given 1..100
        List<Integer> values = java.util.stream.IntStream.rangeClosed(1, 100).boxed().toList();

        // when
        Stats stats = Stats.of(values);

        // then
        assertThat(stats.median()).isCloseTo(50.5, within(1e-9));
        assertThat(stats.percentile(99)).isCloseTo(99.01, within(1e-9));
        assertThat(stats.min()).isEqualTo(1);
        assertThat(stats.max()).isEqualTo(100);
    }

    @Test
    void shouldIgnoreUnmeasuredValuesAndAnswerNaNWhenNothingWasMeasured() {
        // given a run that could not measure its figure
        Stats some = Stats.of(List.of(3.0, Double.NaN, 1.0));
        Stats none = Stats.of(List.of(Double.NaN));

        // then
        assertThat(some.count()).isEqualTo(2);
        assertThat(some.median()).isEqualTo(2.0);
        assertThat(none.median()).isNaN();
    }
}

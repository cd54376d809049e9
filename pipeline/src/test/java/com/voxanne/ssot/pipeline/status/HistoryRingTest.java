package com.voxanne.ssot.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryRingTest {
    private static final Instant T0 = Instant.parse("2026-12-02T16:00:00Z");

    @Test
    void shouldKeepOnlyTheNewestSamplesUpToItsCapacity() {
        // given a ring of 3
        HistoryRing ring = new HistoryRing(3);

        // when 5 samples arrive
        for (int i = 0; i < 5; i++) {
            ring.add(new HistoryRing.Sample(T0.plusSeconds(i), Map.of("lag", Map.of("g", (double) i))));
        }

        // then the 3 newest are kept, oldest first
        HistoryRing.Columns columns = ring.columns(List.of("lag"));
        assertThat(ring.size()).isEqualTo(3);
        assertThat(columns.times()).containsExactly(T0.plusSeconds(2), T0.plusSeconds(3), T0.plusSeconds(4));
        assertThat(columns.charts().get("lag").get("g")).containsExactly(2.0, 3.0, 4.0);
    }

    @Test
    void shouldShowAChartMissingFromASampleAsAGapNotAZero() {
        // given a sample where the lag chart's probe failed between two that answered
        HistoryRing ring = new HistoryRing(10);
        ring.add(new HistoryRing.Sample(T0, Map.of("lag", Map.of("g", 5.0), "open", Map.of("total", 1.0))));
        ring.add(new HistoryRing.Sample(T0.plusSeconds(15), Map.of("open", Map.of("total", 2.0))));
        ring.add(new HistoryRing.Sample(T0.plusSeconds(30), Map.of("lag", Map.of("g", 0.0), "open", Map.of("total", 2.0))));

        // then its column has a null there; the other chart is whole
        HistoryRing.Columns columns = ring.columns(List.of("lag", "open"));
        assertThat(columns.charts().get("lag").get("g")).isEqualTo(Arrays.asList(5.0, null, 0.0));
        assertThat(columns.charts().get("open").get("total")).containsExactly(1.0, 2.0, 2.0);
    }

    @Test
    void shouldGiveASeriesThatAppearsLaterNullsBeforeItsFirstValue() {
        // given a consumer group that shows up in the second sample only
        HistoryRing ring = new HistoryRing(10);
        ring.add(new HistoryRing.Sample(T0, Map.of("lag", Map.of("a", 1.0))));
        ring.add(new HistoryRing.Sample(T0.plusSeconds(15), Map.of("lag", Map.of("a", 1.0, "b", 7.0))));

        // then every column has one value per time
        Map<String, List<Double>> lag = ring.columns(List.of("lag")).charts().get("lag");
        assertThat(lag.get("b")).isEqualTo(Arrays.asList(null, 7.0));
        assertThat(lag.get("a")).hasSize(2);
    }

    @Test
    void shouldKeepTheSeriesInTheOrderTheProbeGaveThem() {
        // given a probe that lists its series in an order of its own (the page draws and lists them so)
        Map<String, Double> outcomes = new LinkedHashMap<>();
        for (String state : List.of("ZETA", "COMPLETED", "MIDDLE", "ALPHA", "FAILED")) {
            outcomes.put(state, 0.0);
        }
        HistoryRing ring = new HistoryRing(2);
        ring.add(new HistoryRing.Sample(T0, Map.of("outcomes", outcomes)));

        // then the columns keep that order
        assertThat(ring.columns(List.of("outcomes")).charts().get("outcomes").keySet())
                .containsExactly("ZETA", "COMPLETED", "MIDDLE", "ALPHA", "FAILED");
    }

    @Test
    void shouldRefuseACapacityBelowOne() {
        assertThatThrownBy(() -> new HistoryRing(0)).hasMessage("history capacity must be >= 1, was 0");
    }
}

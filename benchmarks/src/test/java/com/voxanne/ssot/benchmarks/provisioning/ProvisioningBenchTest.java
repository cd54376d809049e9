package com.voxanne.ssot.benchmarks.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProvisioningBenchTest {

    @Test
    void shouldMeasureSustainedRateOnTheMiddleOfTheCommitsWhenStartAndTailAreSlow() {
        // given 100 commits 10 ms apart (100/s), behind a slow start and before a slow tail
        List<Long> commits = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            commits.add(10_000L + i * 10);
        }
        for (int i = 0; i < 10; i++) {
            commits.add(5_000L + i);      // start-up burst long before
            commits.add(20_000L + i * 500); // stragglers long after
        }

        // when
        double rate = ProvisioningBench.middleRate(commits);

        // then the middle 80% (96 intervals around the steady part) is close to 100/s
        assertThat(rate).isCloseTo(100, within(5.0));
    }

    @Test
    void shouldNotInventARateFromOneCommit() {
        assertThat(ProvisioningBench.middleRate(List.of(1_000L))).isNaN();
    }
}

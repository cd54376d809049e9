package com.voxanne.ssot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.faults.check.Invariant;
import com.voxanne.ssot.faults.schedule.ScenarioSettings;
import com.voxanne.ssot.faults.support.SuiteRun;
import com.voxanne.ssot.faults.support.SwallowingProjector;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A suite that always passes proves nothing. Here the same scenario runs against a deliberately broken build: the old
 * swallowed SSOT write is back (a projector that fails its write, calls it non-fatal and commits its offsets anyway).
 * The checker must report it.
 */
class BrokenProjectorTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldReportViolationsWhenTheSsotWriteIsSwallowed() throws Exception {
        // given: the swallowed-write projector in place of the real one
        long seed = SuiteRun.seed();

        // when: the scenario runs (one fault of each category, then losses, repair and canaries)
        FaultCampaign.Outcome outcome = SuiteRun.run("broken", ScenarioSettings.smokeSetting(), seed, SwallowingProjector.FACTORY, dataDir);

        // then: SSOT rows are missing, and the reconciler's violations stay open with nothing to explain them
        assertThat(outcome.passed()).as("the checker passes a broken build (seed %d)%n%s", seed, outcome.table()).isFalse();
        assertThat(outcome.report().violationsOf(Invariant.ONE_SSOT_ROW)).as("missing SSOT rows").isNotEmpty()
                .anyMatch(v -> v.contains("has 0 SSOT rows"));
        assertThat(outcome.report().violationsOf(Invariant.NO_UNEXPLAINED_VIOLATION)).as("unexplained open violations").isNotEmpty();
    }
}

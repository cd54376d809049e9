package com.voxanne.ssot.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.faults.check.Invariant;
import com.voxanne.ssot.faults.scenario.Ledger;
import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.faults.schedule.ScenarioSettings;
import com.voxanne.ssot.faults.support.SuiteRun;
import com.voxanne.ssot.faults.system.ProjectorFactory;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite against the real pipeline: process kills at every saga step and between the projector's commits,
 * relay and reconciler restarts, a broker restart, a database outage, duplicates, replays, out-of-order events,
 * malformed records on every input topic and provider faults, all while requests stream in (a fifth of them releases,
 * killed at every release step, sent twice, sent again behind newer requests, racing an event-log replay); stale SSOT
 * rows injected at the end; then every global
 * invariant is checked. {@code -Dfaults.setting=long} for hundreds of faults; {@code -Dfaults.seed=N} to replay a run.
 */
class FaultSuiteTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldKeepEveryInvariantWhenFaultsHitTheRunningPipeline() throws Exception {
        // given: a setting and a seed (printed, and in the failure message, to replay the run)
        ScenarioSettings settings = SuiteRun.setting();
        long seed = SuiteRun.seed();

        // when: the schedule is injected into the running pipeline and the final state is checked
        FaultCampaign.Outcome outcome = SuiteRun.run(settings.name(), settings, seed, ProjectorFactory.REAL, dataDir);

        // then: every kind of fault was injected, and no invariant was violated
        Ledger ledger = outcome.ledger();
        Set<FaultKind> injected = ledger.injections().stream().map(Ledger.Injection::kind).collect(Collectors.toSet());
        assertThat(injected).as("fault kinds injected").containsAll(settings.kinds());
        assertThat(ledger.malformed()).as("malformed records sent").isNotEmpty();
        assertThat(ledger.losses()).as("SSOT rows deleted").hasSize(settings.ssotLosses());
        assertThat(ledger.staleRows()).as("stale SSOT rows inserted").hasSize(settings.ssotLosses());
        assertThat(ledger.releases().size()).as("releases sent, against %d provisions", ledger.requests().size())
                .isGreaterThanOrEqualTo(ledger.requests().size() / 10);
        assertThat(outcome.report().checkedCount(Invariant.NO_SECRET_LEAK)).as("log lines, records and outputs scanned").isPositive();
        assertThat(outcome.report().all())
                .as("invariant violations of run with seed %d (replay: -Dfaults.setting=%s -Dfaults.seed=%d)%n%s", seed, settings.name(),
                        seed, outcome.table())
                .isEmpty();
    }
}

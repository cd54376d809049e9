package com.voxanne.ssot.faults;

import com.voxanne.ssot.faults.check.CheckReport;
import com.voxanne.ssot.faults.check.InvariantChecker;
import com.voxanne.ssot.faults.check.LogEvidence;
import com.voxanne.ssot.faults.check.ObservedState;
import com.voxanne.ssot.faults.check.StateReader;
import com.voxanne.ssot.faults.report.ReliabilityTable;
import com.voxanne.ssot.faults.scenario.Ledger;
import com.voxanne.ssot.faults.scenario.Scenario;
import com.voxanne.ssot.faults.schedule.FaultSchedule;
import com.voxanne.ssot.faults.schedule.ScenarioSettings;
import com.voxanne.ssot.faults.system.PipelineEnvironment;
import com.voxanne.ssot.faults.system.PipelineUnderTest;
import com.voxanne.ssot.faults.system.ProjectorFactory;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault suite's entry point: start the pipeline on the given Kafka and PostgreSQL, run the {@link Scenario} for a
 * setting and seed, read the final state and check every invariant. Returns the ledger, the findings and the table;
 * judging (failing a build) is the caller's. A CLI command only has to supply a {@link PipelineEnvironment} (for
 * instance over the embedded stack, with {@code EmbeddedStackFaults}) and print {@link Outcome#table()}.
 */
public final class FaultCampaign {
    private static final Logger log = LoggerFactory.getLogger(FaultCampaign.class);

    private FaultCampaign() {
    }

    /** A finished run. */
    public record Outcome(Ledger ledger, CheckReport report, String table) {
        public boolean passed() {
            return report.passed();
        }
    }

    /**
     * @param projectors the projector to run ({@link ProjectorFactory#REAL}, or a broken one to prove the checker works)
     * @param logs       what the log capture saw (its counters should be reset before the run)
     * @param progress   one line per phase, for a person watching
     */
    public static Outcome run(PipelineEnvironment environment, ScenarioSettings settings, long seed, ProjectorFactory projectors,
                              LogEvidence logs, Consumer<String> progress) throws Exception {
        FaultSchedule schedule = FaultSchedule.plan(settings, seed);
        progress.accept("Fault suite: setting " + settings.name() + ", seed " + seed + " (replay with -Dfaults.seed=" + seed + "), "
                + schedule.size() + " faults planned");
        try (PipelineUnderTest pipeline = PipelineUnderTest.start(environment, settings, projectors)) {
            if (pipeline.awaitHealthy(Duration.ofSeconds(60)).met()) {
                progress.accept("Pipeline healthy; status at " + pipeline.statusServer().baseUrl());
            } else {
                progress.accept("Pipeline not healthy after 60 s, running anyway: " + pipeline.unhealthy().orElse("?"));
            }
            Ledger ledger = new Scenario(pipeline, settings, schedule, progress).run();
            ObservedState state = new StateReader(pipeline, ledger, logs).read();
            CheckReport report = new InvariantChecker(settings.grace()).check(ledger, state);
            String table = ReliabilityTable.render(ledger, report);
            log.info("Fault suite finished (seed {}): {} violations\n{}", seed, report.totalViolations(), table);
            return new Outcome(ledger, report, table);
        }
    }
}

package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.cli.runtime.ReconcilerTimeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.reconciler.report.AuditReports;
import com.voxanne.ssot.reconciler.audit.ComplianceCheck;
import com.voxanne.ssot.reconciler.audit.ComplianceReport;
import com.voxanne.ssot.reconciler.audit.UnknownOrganizationException;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ssot check --org ID|EMAIL}: the seed's compliance table for one org, straight from PostgreSQL
 * (works while Kafka is down), then the org's compliance timeline from the running stack's reconciler when one
 * answers (one line saying why not otherwise). Exit 1 on any violation: the verdict is the table's alone, the
 * timeline never changes it.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Print the SSOT compliance table for one organisation; exit 1 on any violation.")
public final class CheckCommand implements Callable<Integer> {

    /** The check must not hang on a stuck reconciler: the table is already printed. */
    static final Duration TIMELINE_TIMEOUT = Duration.ofSeconds(5);

    @Option(names = "--org", required = true, description = "organisation id (uuid) or email")
    String org;

    @Override
    public Integer call() {
        return check(Environment.resolve(ConfigSource.fromEnvironment()), org, System.out);
    }

    /**
     * The whole command against {@code env}: the table, then the timeline (or why it is unavailable).
     *
     * @return the exit code: 1 on any violation in the table, else 0
     */
    public static int check(Environment env, String org, PrintStream out) {
        ComplianceReport report;
        try (HikariDataSource ds = env.database().pool("check-cli", 1)) {
            report = new ComplianceCheck(ds).check(org);
        } catch (UnknownOrganizationException e) {
            throw new UserError(e.getMessage());
        }
        print(report, out);
        printTimeline(env, report.organization().id().toString(), out);
        return report.violation() ? 1 : 0;
    }

    /** The org's timeline from the reconciler of the stack (STATUS_URL), or one line saying why it is unavailable. */
    static void printTimeline(Environment env, String orgId, PrintStream out) {
        ReconcilerTimeline.Result timeline = new ReconcilerTimeline(TIMELINE_TIMEOUT)
                .fetch(env.source().get(ReconcilerTimeline.STATUS_URL), env.config().httpToken(), orgId);
        if (timeline instanceof ReconcilerTimeline.Available available) {
            out.print(AuditReports.timeline(available.episodes()));
        } else if (timeline instanceof ReconcilerTimeline.Unavailable unavailable) {
            out.print(AuditReports.timelineUnavailable(unavailable.reason()));
        }
    }

    public static void print(ComplianceReport report, PrintStream out) {
        out.print(AuditReports.compliance(report));
    }
}

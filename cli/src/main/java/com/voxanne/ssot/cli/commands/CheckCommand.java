package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.reconciler.report.AuditReports;
import com.voxanne.ssot.reconciler.audit.ComplianceCheck;
import com.voxanne.ssot.reconciler.audit.ComplianceReport;
import com.voxanne.ssot.reconciler.audit.UnknownOrganizationException;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ssot check --org ID|EMAIL}: the seed's compliance table for one org, straight from PostgreSQL
 * (works while Kafka is down). Exit 1 on any violation.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Print the SSOT compliance table for one organisation; exit 1 on any violation.")
public final class CheckCommand implements Callable<Integer> {

    @Option(names = "--org", required = true, description = "organisation id (uuid) or email")
    String org;

    @Override
    public Integer call() {
        Environment env = Environment.resolve(ConfigSource.fromEnvironment());
        ComplianceReport report;
        try (HikariDataSource ds = env.database().pool("check-cli", 1)) {
            report = new ComplianceCheck(ds).check(org);
        } catch (UnknownOrganizationException e) {
            throw new UserError(e.getMessage());
        }
        print(report, System.out);
        return report.violation() ? 1 : 0;
    }

    public static void print(ComplianceReport report, PrintStream out) {
        out.print(AuditReports.compliance(report));
    }
}

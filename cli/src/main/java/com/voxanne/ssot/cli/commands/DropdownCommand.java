package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.reconciler.report.AuditReports;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.reconciler.audit.Dropdown;
import com.voxanne.ssot.reconciler.audit.DropdownListing;
import com.voxanne.ssot.reconciler.audit.UnknownOrganizationException;
import com.zaxxer.hikari.HikariDataSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./ssot dropdown --org ID|EMAIL}: what the agent-config dropdown lists for that org (from the SSOT). */
@Command(name = "dropdown", mixinStandardHelpOptions = true,
        description = "Print what the agent-configuration dropdown lists for one organisation.")
public final class DropdownCommand implements Callable<Integer> {

    @Option(names = "--org", required = true, description = "organisation id (uuid) or email")
    String org;

    @Override
    public Integer call() {
        Environment env = Environment.resolve(ConfigSource.fromEnvironment());
        DropdownListing listing;
        try (HikariDataSource ds = env.database().pool("dropdown-cli", 1)) {
            listing = new Dropdown(ds).list(org);
        } catch (UnknownOrganizationException e) {
            throw new UserError(e.getMessage());
        }
        System.out.print(AuditReports.dropdown(listing));
        if (listing.entries().isEmpty()) {
            System.out.println("(empty: no number can be assigned to an agent)");
        }
        return 0;
    }
}

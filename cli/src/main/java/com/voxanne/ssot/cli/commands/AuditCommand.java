package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.provisioner.ProviderClients;
import com.voxanne.ssot.provisioner.audit.InventoryAudit;
import com.voxanne.ssot.provisioner.audit.InventoryReport;
import com.voxanne.ssot.reconciler.audit.AuditFinding;
import com.voxanne.ssot.reconciler.report.AuditReports;
import com.voxanne.ssot.reconciler.audit.SsotAudit;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code ./ssot audit}: two checks that trust no writer and need no Kafka. (1) The SQL anti-join: active
 * managed numbers without a valid SSOT row. (2) The inventory diff between what Twilio bills for, what Vapi
 * has imported and what the database knows. Exit 1 when either finds anything.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Independent SQL anti-join of the SSOT, plus the Twilio <-> Vapi <-> database inventory diff.")
public final class AuditCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        Environment env = Environment.resolve(ConfigSource.fromEnvironment());
        PrintStream out = System.out;
        try (HikariDataSource ds = env.database().pool("audit-cli", 1)) {
            List<AuditFinding> findings = new SsotAudit(ds).findings();
            out.print(AuditReports.audit(findings));

            SsotConfig config = env.config();
            if (config.twilio().isEmpty() || config.vapi().apiKey().isEmpty()) {
                out.println("\nInventory diff skipped: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and VAPI_API_KEY"
                        + " (against a running `./ssot up` it finds the simulated providers by itself).");
                return findings.isEmpty() ? 0 : 1;
            }
            ProviderClients providers = ProviderClients.from(env.source());
            InventoryReport inventory = new InventoryAudit(ds, providers.vendor(), providers.directory()).run();
            out.println();
            out.print(inventory.render());
            return findings.isEmpty() && inventory.clean() ? 0 : 1;
        }
    }
}

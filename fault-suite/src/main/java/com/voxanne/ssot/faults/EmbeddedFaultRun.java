package com.voxanne.ssot.faults;

import com.voxanne.ssot.embedded.EmbeddedStack;
import com.voxanne.ssot.faults.check.LogEvidence;
import com.voxanne.ssot.faults.schedule.ScenarioSettings;
import com.voxanne.ssot.faults.system.EmbeddedStackFaults;
import com.voxanne.ssot.faults.system.PipelineEnvironment;
import com.voxanne.ssot.faults.system.ProjectorFactory;
import com.voxanne.ssot.platform.db.Database;
import com.voxanne.ssot.platform.db.Migrations;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The fault suite as a command (for a {@code ./ssot faults} of the CLI): starts a fresh embedded Kafka and PostgreSQL
 * in {@code dataDir} (the suite stops and starts them, so it never runs on a stack other processes use), migrates a
 * database, runs the {@link FaultCampaign} and stops the stack. Log lines are not scanned for secrets here (that needs
 * the test JVM's log capture); every other place is.
 */
public final class EmbeddedFaultRun {
    private static final String DATABASE = "faults";

    private EmbeddedFaultRun() {
    }

    public static FaultCampaign.Outcome run(Path dataDir, ScenarioSettings settings, long seed, Consumer<String> progress) throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(dataDir.resolve("embedded"), true)) {
            stack.postgres().createDatabase(DATABASE);
            String jdbcUrl = stack.jdbcUrl(DATABASE);
            try (HikariDataSource migrations = Database.pool("fault-suite-migrations", jdbcUrl, stack.postgres().user(), Optional.empty(), 1)) {
                Migrations.apply(migrations);
            }
            PipelineEnvironment environment = new PipelineEnvironment(stack.bootstrapServers(), jdbcUrl, stack.postgres().user(),
                    dataDir.resolve("pipeline"), new EmbeddedStackFaults(stack), "cli" + Long.toHexString(seed & 0xffffL));
            return FaultCampaign.run(environment, settings, seed, ProjectorFactory.REAL, LogEvidence.NONE, progress);
        }
    }
}

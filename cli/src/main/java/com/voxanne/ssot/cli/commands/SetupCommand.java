package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ./ssot setup}: migrations (including the relay's publication) and topics, then exit. */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = "Apply the database migrations, create the topics and register the schemas (with SCHEMA_REGISTRY_URL) on the configured Kafka, PostgreSQL and registry, then exit.")
public final class SetupCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        if (com.voxanne.ssot.platform.config.SsotConfig.from(ConfigSource.fromEnvironment()).embeddedDefault()) {
            throw new com.voxanne.ssot.cli.Ssot.UserError("`setup` prepares your Kafka and PostgreSQL: set KAFKA_BOOTSTRAP_SERVERS and"
                    + " DATABASE_URL (`./ssot up` sets up the embedded default by itself)");
        }
        try (Pipeline ignored = Pipeline.start(ConfigSource.fromEnvironment(), Pipeline.Options.setup(), System.out::println)) {
            System.out.println("Database migrated, topics created, schemas registered.");
        }
        return 0;
    }
}

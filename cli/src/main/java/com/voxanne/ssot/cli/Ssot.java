package com.voxanne.ssot.cli;

import com.voxanne.ssot.cli.commands.AuditCommand;
import com.voxanne.ssot.cli.commands.BackfillCommand;
import com.voxanne.ssot.cli.commands.BenchCommand;
import com.voxanne.ssot.cli.commands.CheckCommand;
import com.voxanne.ssot.cli.commands.DemoCommand;
import com.voxanne.ssot.cli.commands.DropdownCommand;
import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.cli.commands.ReleaseCommand;
import com.voxanne.ssot.cli.commands.RunCommand;
import com.voxanne.ssot.cli.commands.SagasCommand;
import com.voxanne.ssot.cli.commands.SetupCommand;
import com.voxanne.ssot.cli.commands.TailCommand;
import com.voxanne.ssot.cli.commands.UpCommand;
import com.voxanne.ssot.cli.commands.ViolationsCommand;
import com.voxanne.ssot.platform.config.ConfigException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./ssot <command>}: the pipeline's command line (SPEC "Command line"). */
@Command(name = "ssot", mixinStandardHelpOptions = true, version = "ssot 0.1.0",
        description = "Event-driven consistency pipeline for managed telephony provisioning.",
        subcommands = {UpCommand.class, DemoCommand.class, ProvisionCommand.class, ReleaseCommand.class, CheckCommand.class,
                DropdownCommand.class, BackfillCommand.class, ViolationsCommand.class, AuditCommand.class,
                RunCommand.class, SetupCommand.class, SagasCommand.class, BenchCommand.class, TailCommand.class})
public final class Ssot implements Runnable {

    public static void main(String[] args) {
        configureLogging();
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The command line with this project's error handling (tests call it without exiting the JVM). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Ssot());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ConfigException || ex instanceof UserError) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            commandLine.getErr().println("error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                    + " (details in the log file under SSOT_DATA_DIR/logs)");
            org.slf4j.LoggerFactory.getLogger(Ssot.class).error("command failed", ex);
            return 1;
        });
        return cli;
    }

    /** Log files live under the data directory; set before the first logger is created. */
    static void configureLogging() {
        if (System.getProperty("ssot.log.dir") == null) {
            String dataDir = System.getenv().getOrDefault("SSOT_DATA_DIR", ".ssot");
            System.setProperty("ssot.log.dir", Path.of(dataDir).toAbsolutePath().resolve("logs").toString());
        }
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** A mistake of the user's (unknown org, bad flag combination): printed plainly, exit 2. */
    public static final class UserError extends RuntimeException {
        public UserError(String message) {
            super(message);
        }
    }
}

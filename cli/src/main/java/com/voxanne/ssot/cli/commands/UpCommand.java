package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.runtime.Discovery;
import com.voxanne.ssot.cli.runtime.StopSignals;
import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.embedded.DataDirectoryLock;
import com.voxanne.ssot.embedded.EmbeddedStack;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ssot up}: the whole pipeline until Ctrl-C (SIGINT) or SIGTERM, which stop it cleanly and exit 0. One
 * {@code up} at a time per data directory (the embedded stack's directory lock); one killed with {@code kill -9} leaves
 * its PostgreSQL running, and the next {@code up} stops that leftover by itself (its schema registry stops by itself).
 * Once healthy it prints where Kafka, PostgreSQL, the schema registry and the status server are, and on the embedded
 * default writes the same to the discovery file for the other commands.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start the whole pipeline (the embedded Kafka, PostgreSQL and schema registry unless configured otherwise) until Ctrl-C."
                + " The embedded default sets itself up; configured infrastructure must be set up by `./ssot setup` first.")
public final class UpCommand implements Callable<Integer> {

    @Option(names = "--fresh", description = "wipe the embedded data directory first")
    boolean fresh;

    @Option(names = "--health-timeout", defaultValue = "60s", description = "how long to wait for every component to be UP")
    String healthTimeout;

    @Option(names = "--brokers", paramLabel = "N", description = "embedded default only: run Kafka as a cluster of N brokers"
            + " (N >= 3), each its own process, every topic replicated three times (default 1: one broker in this process)")
    Integer brokers;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ConfigSource source = ConfigSource.fromEnvironment();
        SsotConfig config = SsotConfig.from(source);
        if (brokers != null) {
            if (!config.embeddedDefault()) {
                throw new UserError("--brokers starts the embedded Kafka cluster; with KAFKA_BOOTSTRAP_SERVERS set, the brokers are yours");
            }
            if (brokers != 1 && brokers < 3) {
                throw new UserError("--brokers: 1, or a cluster of at least 3 (one may then be down); was " + brokers);
            }
            source = source.withOverrides(Map.of(Pipeline.EMBEDDED_BROKERS, Integer.toString(brokers)));
        }
        if (config.embeddedDefault() && Discovery.read(config.dataDir()).isPresent()) {
            return alreadyRunning(out, config, "see " + Discovery.file(config.dataDir()));
        }
        // Installed before anything starts, so that Ctrl-C during start still stops what has started.
        StopSignals stop = StopSignals.install();
        long started = System.nanoTime();
        Pipeline pipeline;
        try {
            pipeline = Pipeline.start(source, Pipeline.Options.all().withFresh(fresh), out::println);
        } catch (DataDirectoryLock.InUse e) {
            return alreadyRunning(out, config, e.getMessage());
        }
        // Any other way the JVM ends (SIGHUP, an error elsewhere) still closes the pipeline.
        Thread hook = new Thread(() -> stopPipeline(out, config, pipeline), "ssot-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (!stop.requested()) {
            announce(out, config, pipeline, started);
            stop.await();
        }
        stopPipeline(out, config, pipeline);
        Runtime.getRuntime().removeShutdownHook(hook);
        return 0;
    }

    private void announce(PrintStream out, SsotConfig config, Pipeline pipeline, long started) throws Exception {
        if (!pipeline.awaitHealthy(ConfigSource.parseDuration("--health-timeout", healthTimeout))) {
            out.println("Not every component is healthy yet: see " + pipeline.whereabouts().get("STATUS_URL") + "health");
        }
        Map<String, String> where = pipeline.whereabouts();
        if (config.embeddedDefault()) {
            Discovery.write(config.dataDir(), where);
            // a broker of the cluster that died is restarted by the stack: the file shows its new pid
            pipeline.embeddedStack().flatMap(EmbeddedStack::kafkaCluster).ifPresent(cluster -> cluster.onRestart(broker -> {
                try {
                    if (!pipeline.isClosed()) {
                        Discovery.write(config.dataDir(), pipeline.whereabouts());
                    }
                } catch (IOException | RuntimeException e) {
                    System.err.println("Could not update " + Discovery.file(config.dataDir()) + ": " + e.getMessage());
                }
            }));
        }
        out.printf("Healthy in %.1f s. Logs: %s%n", Duration.ofNanos(System.nanoTime() - started).toMillis() / 1000.0,
                config.dataDir().resolve("logs").resolve("ssot.log"));
        out.println("KAFKA_BOOTSTRAP_SERVERS=" + where.get("KAFKA_BOOTSTRAP_SERVERS"));
        where.keySet().stream().filter(k -> k.startsWith("EMBEDDED_BROKER_") && k.endsWith("_PID")).sorted()
                .forEach(k -> out.println(k + "=" + where.get(k)));
        out.println("DATABASE_URL=" + where.get("DATABASE_URL"));
        out.println("SCHEMA_REGISTRY_URL=" + where.getOrDefault("SCHEMA_REGISTRY_URL", "(not set: configure SCHEMA_REGISTRY_URL)"));
        out.println("STATUS_URL=" + where.get("STATUS_URL"));
        out.println("Try: ./ssot provision --org voxanne@demo.com   (Ctrl-C to stop)");
        out.flush();
    }

    private static synchronized void stopPipeline(PrintStream out, SsotConfig config, Pipeline pipeline) {
        if (pipeline.isClosed()) {
            return;
        }
        out.println("Stopping the pipeline ...");
        Discovery.remove(config.dataDir());
        pipeline.close();
        out.println("Stopped.");
        out.flush();
    }

    private static int alreadyRunning(PrintStream out, SsotConfig config, String detail) {
        out.println("An `./ssot up` is already running on " + config.dataDir() + " (" + detail
                + "). Stop it, or set another SSOT_DATA_DIR.");
        return 2;
    }
}

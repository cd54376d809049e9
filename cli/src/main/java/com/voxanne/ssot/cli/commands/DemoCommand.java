package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.runtime.DemoStory;
import com.voxanne.ssot.embedded.Directories;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ssot demo}: the seed's story end to end on a fresh embedded stack (its own temporary data
 * directory, so it never touches a running {@code ./ssot up}); exits 0 only if every step held.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Tell the incident's story end to end on a fresh embedded stack; exit 0 only if every step held.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--grace", defaultValue = "5s", description = "grace period for the demo (default: ${DEFAULT-VALUE})")
    String grace;

    @Option(names = "--keep", description = "keep the demo's data directory (printed at the end)")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        long started = System.nanoTime();
        Path dataDir = Files.createTempDirectory("ssot-demo-");
        Map<String, String> demo = new HashMap<>();
        demo.put("SSOT_DATA_DIR", dataDir.toString());
        demo.put("SSOT_GRACE", grace);
        demo.put("SSOT_HTTP_PORT", "0");
        demo.put("RECONCILER_PUNCTUATION_INTERVAL", "200ms");
        // the demo always runs on its own embedded stack, even where external infrastructure is configured
        demo.put("KAFKA_BOOTSTRAP_SERVERS", "");
        demo.put("DATABASE_URL", "");
        ConfigSource source = ConfigSource.fromEnvironment().withOverrides(demo);

        out.println("SSOT demo: a managed number paid for but missing from the single source of truth, caught and healed.");
        out.println("Starting a fresh pipeline (embedded Kafka + PostgreSQL, simulated Twilio + Vapi) ...");
        DemoStory.Outcome outcome;
        try (Pipeline pipeline = Pipeline.start(source, Pipeline.Options.all().withFresh(true), line -> out.println("  " + line))) {
            if (!pipeline.awaitHealthy(Duration.ofSeconds(60))) {
                out.println("The pipeline did not become healthy: " + pipeline.health().snapshot());
                return 1;
            }
            out.println("  status page: " + pipeline.whereabouts().get("STATUS_URL"));
            try {
                outcome = new DemoStory(pipeline.context(), pipeline.dataSource(), out, Duration.ofSeconds(60)).run();
            } catch (DemoStory.StepFailed e) {
                out.println();
                out.println("DEMO FAILED: " + e.getMessage());
                return 1;
            }
        } finally {
            if (!keep) {
                Directories.deleteRecursively(dataDir);
            }
        }
        out.println();
        out.println("== Summary");
        out.printf("  provisioned %d numbers; lost the SSOT write of %s; violation OPEN (%s) after the grace; backfill restored %d row(s);"
                        + " violation RESOLVED%n", outcome.provisioned().size(), outcome.victimPhone(), outcome.opened().getKind(),
                outcome.backfill().inserted());
        out.printf("  every step held, in %.0f s%s%n", Duration.ofNanos(System.nanoTime() - started).toMillis() / 1000.0,
                keep ? " (data kept in " + dataDir + ")" : "");
        return 0;
    }
}

package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.runtime.Discovery;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./ssot up}: the whole pipeline until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start the whole pipeline (the embedded Kafka and PostgreSQL unless configured otherwise) until Ctrl-C.")
public final class UpCommand implements Callable<Integer> {

    @Option(names = "--fresh", description = "wipe the embedded data directory first")
    boolean fresh;

    @Option(names = "--health-timeout", defaultValue = "60s", description = "how long to wait for every component to be UP")
    String healthTimeout;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ConfigSource source = ConfigSource.fromEnvironment();
        SsotConfig config = SsotConfig.from(source);
        if (config.embeddedDefault() && Discovery.read(config.dataDir()).isPresent()) {
            out.println("An `./ssot up` is already running on " + config.dataDir() + " (see " + Discovery.file(config.dataDir()) + ").");
            return 2;
        }
        long started = System.nanoTime();
        Pipeline pipeline = Pipeline.start(source, Pipeline.Options.all().withFresh(fresh), out::println);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                out.println("Stopping the pipeline ...");
                Discovery.remove(config.dataDir());
                pipeline.close();
                out.println("Stopped.");
            } finally {
                stopped.countDown();
            }
        }, "ssot-shutdown"));
        if (!pipeline.awaitHealthy(ConfigSource.parseDuration("--health-timeout", healthTimeout))) {
            out.println("Not every component is healthy yet: see " + pipeline.whereabouts().get("STATUS_URL") + "health");
        }
        Map<String, String> where = pipeline.whereabouts();
        if (config.embeddedDefault()) {
            Discovery.write(config.dataDir(), where);
        }
        out.printf("Healthy in %.1f s. Logs: %s%n", Duration.ofNanos(System.nanoTime() - started).toMillis() / 1000.0,
                config.dataDir().resolve("logs").resolve("ssot.log"));
        out.println("KAFKA_BOOTSTRAP_SERVERS=" + where.get("KAFKA_BOOTSTRAP_SERVERS"));
        out.println("DATABASE_URL=" + where.get("DATABASE_URL"));
        out.println("STATUS_URL=" + where.get("STATUS_URL"));
        out.println("Try: ./ssot provision --org voxanne@demo.com   (Ctrl-C to stop)");
        out.flush();
        stopped.await();
        return 0;
    }
}

package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ./ssot run relay|provisioner|projector|reconciler}: one service alone, for deployments that scale each part. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one service alone against the configured Kafka and PostgreSQL (what docker-compose runs), as its"
                + " own database user. It never migrates: it refuses to start unless `./ssot setup` brought the schema to"
                + " this build's version and created the topics.")
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "relay, provisioner, projector or reconciler")
    String service;

    @Override
    public Integer call() throws Exception {
        Pipeline.Part part;
        try {
            part = Pipeline.Part.valueOf(service.toUpperCase(Locale.ROOT).replace("SSOT-", ""));
        } catch (IllegalArgumentException e) {
            throw new com.voxanne.ssot.cli.Ssot.UserError("unknown service '" + service + "': relay, provisioner, projector or reconciler");
        }
        ConfigSource source = ConfigSource.fromEnvironment();
        if (com.voxanne.ssot.platform.config.SsotConfig.from(source).embeddedDefault()) {
            throw new com.voxanne.ssot.cli.Ssot.UserError("`run` runs one service against your Kafka and PostgreSQL: set"
                    + " KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (for everything on the embedded default, use `./ssot up`)");
        }
        Pipeline pipeline = Pipeline.start(source, Pipeline.Options.only(part), System.out::println);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pipeline.close();
            } finally {
                stopped.countDown();
            }
        }, "ssot-shutdown"));
        System.out.println(service + " running; STATUS_URL=" + pipeline.whereabouts().get("STATUS_URL"));
        stopped.await();
        return 0;
    }
}

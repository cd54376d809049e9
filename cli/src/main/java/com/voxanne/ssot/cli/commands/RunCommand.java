package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Discovery;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.cli.runtime.NextToUp;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ./ssot run relay|provisioner|projector|reconciler}: one service alone, for deployments that scale each part;
 * next to a running {@code ./ssot up} (found through its discovery file) one more instance of that stack's service.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one service alone against the configured Kafka and PostgreSQL (what docker-compose runs), as its"
                + " own database user; next to a running `./ssot up`, one more instance of its provisioner, projector or"
                + " reconciler (same groups, own status server). It never migrates: it refuses to start unless `./ssot setup`"
                + " brought the schema to this build's version and created the topics.")
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "relay, provisioner, projector or reconciler")
    String service;

    @Override
    public Integer call() throws Exception {
        Pipeline.Part part;
        try {
            part = Pipeline.Part.valueOf(service.toUpperCase(Locale.ROOT).replace("SSOT-", ""));
        } catch (IllegalArgumentException e) {
            throw new UserError("unknown service '" + service + "': relay, provisioner, projector or reconciler");
        }
        ConfigSource user = ConfigSource.fromEnvironment();
        Environment environment = Environment.resolve(user);
        if (environment.config().embeddedDefault()) {
            throw new UserError("`run` runs one service against your Kafka and PostgreSQL: set KAFKA_BOOTSTRAP_SERVERS and"
                    + " DATABASE_URL, or start `./ssot up` first to add instances to its stack (no running `up` announced"
                    + " one in " + Discovery.file(environment.config().dataDir()) + ")");
        }
        ConfigSource source = environment.source();
        NextToUp nextToUp = null;
        if (environment.discovered()) {
            if (part == Pipeline.Part.RELAY) {
                throw new UserError("the running `./ssot up` already runs the relay: one relay reads the replication slot,"
                        + " a second would only wait for it; run provisioner, projector or reconciler next to it");
            }
            nextToUp = NextToUp.of(user, source, environment.config().dataDir());
            source = nextToUp.source();
            System.out.println("Joining the stack of the running ./ssot up (" + Discovery.file(environment.config().dataDir())
                    + ") as one more " + service + " instance");
        }
        Pipeline pipeline = Pipeline.start(source, Pipeline.Options.only(part), System.out::println);
        CountDownLatch stopped = new CountDownLatch(1);
        NextToUp joined = nextToUp;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pipeline.close();
                if (joined != null) {
                    joined.removeOwnState();
                }
            } finally {
                stopped.countDown();
            }
        }, "ssot-shutdown"));
        String statusUrl = pipeline.whereabouts().get("STATUS_URL");
        System.out.println(service + " running; STATUS_URL=" + statusUrl);
        System.out.println("STATUS_URL=" + statusUrl);
        stopped.await();
        return 0;
    }
}

package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.reconciler.report.AuditReports;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.reconciler.violations.ViolationsReader;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./ssot violations [--follow]}: reads ssot.violations as an alert consumer would. */
@Command(name = "violations", mixinStandardHelpOptions = true,
        description = "Show the open SSOT violations from the violations topic; --follow prints every change as it comes.")
public final class ViolationsCommand implements Callable<Integer> {

    @Option(names = "--follow", description = "keep reading and print every OPEN/RESOLVED as it arrives (Ctrl-C to stop)")
    boolean follow;

    @Option(names = "--all", description = "also list resolved episodes (latest state per number)")
    boolean all;

    @Override
    public Integer call() throws Exception {
        Environment env = Environment.resolve(ConfigSource.fromEnvironment());
        var violations = env.config().topics().violations();
        String topic = violations.name();
        try (ViolationsReader reader = new ViolationsReader(env.kafka(), violations)) {
            ViolationsReader.Snapshot snapshot = reader.snapshot(Duration.ofSeconds(30));
            System.out.printf("%d open violation(s) on %s%n", snapshot.open().size(), topic);
            System.out.print(AuditReports.violations(all ? snapshot.latest().values() : snapshot.open()));
            if (!follow) {
                return snapshot.open().isEmpty() ? 0 : 1;
            }
            System.out.println("Following (Ctrl-C to stop) ...");
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                reader.stop();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "violations-stop"));
            try {
                reader.follow(snapshot, u -> System.out.println(AuditReports.line(u)));
            } finally {
                done.countDown();
            }
            return 0;
        }
    }
}

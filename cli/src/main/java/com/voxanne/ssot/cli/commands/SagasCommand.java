package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./ssot sagas [--org ID|EMAIL] [--state S] [--stuck]}, {@code ./ssot sagas resume ID},
 * {@code ./ssot sagas abandon ID}: the operator's view of provisioning sagas, straight from PostgreSQL (works while Kafka
 * or the providers are down). Abandon hands a saga to compensation, which reads back Twilio and Vapi and releases what
 * exists; both actions are recorded on the saga and refused while a worker holds it.
 */
@Command(name = "sagas", mixinStandardHelpOptions = true,
        description = "List provisioning sagas; resume or abandon one (operator actions, recorded on the saga).",
        subcommands = {SagasCommand.Resume.class, SagasCommand.Abandon.class})
public final class SagasCommand implements Callable<Integer> {
    private static final int LIMIT = 200;

    @Option(names = "--org", description = "organisation id (uuid) or email")
    String org;

    @Option(names = "--state", description = "only sagas in this state (RECEIVED, NUMBER_CHOSEN, PURCHASED, IMPORTED, COMPENSATING,"
            + " COMPLETED, FAILED, REJECTED)")
    String state;

    @Option(names = "--stuck", description = "only STUCK sagas: holding (or maybe holding) a paid number, unchanged for longer than"
            + " PROVISIONER_STUCK_AFTER")
    boolean stuck;

    @Override
    public Integer call() {
        Optional<SagaState> wanted;
        try {
            wanted = Optional.ofNullable(state).map(s -> SagaState.valueOf(s.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new UserError("--state must be one of " + List.of(SagaState.values()) + ", was " + state);
        }
        Environment env = Environment.resolve(ConfigSource.fromEnvironment());
        Optional<java.time.Duration> stuckAfter = stuck
                ? Optional.of(ProvisionerSettings.from(env.source()).stuckAfter()) : Optional.empty();
        List<SagaRecord> sagas = withAdmin(env, admin -> admin.list(new SagaAdmin.Filter(Optional.ofNullable(org), wanted, stuckAfter),
                LIMIT));
        print(sagas, System.out);
        return 0;
    }

    static <T> T withAdmin(Environment env, Function<SagaAdmin, T> work) {
        try (HikariDataSource ds = env.database().pool("sagas-cli", 1)) {
            return work.apply(new SagaAdmin(ds, ProvisionerSettings.from(env.source()).purchaseVisibility()));
        }
    }

    static void print(List<SagaRecord> sagas, PrintStream out) {
        out.printf("%-40s %-36s %-13s %-16s %8s  %s%n", "REQUEST", "ORG", "STATE", "PHONE", "ATTEMPTS", "ERROR / FAILURE POINT");
        for (SagaRecord s : sagas) {
            String why = s.failurePoint() != null ? s.failurePoint() + ": " + nullToEmpty(s.error()) : nullToEmpty(s.error());
            out.printf("%-40s %-36s %-13s %-16s %8d  %s%n", s.requestId(), s.orgId(), s.state(), nullToEmpty(s.phoneNumber()),
                    s.attempts(), why.length() > 120 ? why.substring(0, 120) + "..." : why);
        }
        out.println(sagas.size() + (sagas.size() == LIMIT ? "+" : "") + " saga(s)");
    }

    private static String nullToEmpty(Object o) {
        return o == null ? "" : o.toString();
    }

    /** Runs an operator action, prints its outcome ({@code whenDone} appended on success): exit 0 when it was done. */
    static int act(Function<SagaAdmin, SagaAdmin.Outcome> action, String whenDone) {
        SagaAdmin.Outcome outcome = withAdmin(Environment.resolve(ConfigSource.fromEnvironment()), action);
        System.out.println(outcome.message() + (outcome.done() ? whenDone : ""));
        return outcome.done() ? 0 : 1;
    }

    static String operator() {
        return System.getProperty("user.name", "operator") + "@cli";
    }

    /** {@code ./ssot sagas resume ID}: run a waiting saga now (cuts its backoff or Retry-After wait short). */
    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Run a waiting saga now, from its stored state.")
    static final class Resume implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "REQUEST_ID")
        String requestId;

        @Override
        public Integer call() {
            return act(admin -> admin.resume(requestId, operator()), "");
        }
    }

    /** {@code ./ssot sagas abandon ID}: give a saga up; what it bought is released after reading back both providers. */
    @Command(name = "abandon", mixinStandardHelpOptions = true,
            description = "Give a saga up: compensation reads back Twilio and Vapi and releases what exists, then FAILED.")
    static final class Abandon implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "REQUEST_ID")
        String requestId;

        @Override
        public Integer call() {
            return act(admin -> admin.abandon(requestId, operator()),
                    " (a running provisioner compensates it; the result appears on the results topic)");
        }
    }
}

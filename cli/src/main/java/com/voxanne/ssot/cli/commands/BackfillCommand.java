package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.platform.text.TextTable;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.projector.backfill.Backfill;
import com.voxanne.ssot.projector.backfill.BackfillProgress;
import com.voxanne.ssot.projector.backfill.BackfillSummary;
import com.voxanne.ssot.projector.backfill.StartFrom;
import com.voxanne.ssot.provisioner.outbox.ManagedNumber;
import com.voxanne.ssot.provisioner.outbox.ManagedNumbersBackfill;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.schemas.Topics;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ssot backfill}: replays the NumberProvisioned log into the SSOT through the projector's own
 * upsert (idempotent, so safe to repeat), or re-emits events for legacy managed numbers that never had one.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = "Replay telephony.numbers.provisioned into org_credentials, or heal legacy managed numbers.")
public final class BackfillCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--from-beginning", description = "replay the whole event log")
        boolean fromBeginning;

        @Option(names = "--since", paramLabel = "TS", description = "replay events from this ISO-8601 instant, e.g. 2026-02-09T00:00:00Z")
        String since;

        @Option(names = "--from-managed-numbers",
                description = "re-emit NumberProvisioned through the outbox for active managed numbers with no SSOT row")
        boolean fromManagedNumbers;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    @Option(names = "--dry-run", description = "show what would change; write nothing")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Environment env = Environment.resolve(ConfigSource.fromEnvironment());
        PrintStream out = System.out;
        try (HikariDataSource ds = env.database().pool("backfill-cli", 2)) {
            if (source.fromManagedNumbers) {
                return healLegacy(env, ds, out);
            }
            StartFrom from = StartFrom.beginning();
            if (source.since != null) {
                try {
                    from = StartFrom.timestamp(Instant.parse(source.since));
                } catch (DateTimeParseException e) {
                    throw new UserError("--since must be an ISO-8601 instant like 2026-02-09T23:33:02Z, was '" + source.since + "'");
                }
            }
            out.printf("Replaying the event log %s%s ...%n", from, dryRun ? " (dry run: nothing is written)" : "");
            ProgressBarPrinter bar = new ProgressBarPrinter(System.err);
            BackfillSummary summary = Backfill.fromContext(env.serviceContext(), ds).run(from, dryRun, bar::update);
            bar.finish();
            TextTable table = new TextTable("events", "inserted", "updated", "unchanged", "dead-lettered", "elapsed");
            table.row(summary.records(), summary.inserted(), summary.updated(), summary.unchanged(), summary.deadLettered(),
                    String.format("%.1f s", summary.elapsed().toMillis() / 1000.0));
            out.print(table.render());
            out.println(dryRun ? "Dry run: nothing was written." : "Backfill complete.");
            return summary.deadLettered() == 0 ? 0 : 1;
        }
    }

    private int healLegacy(Environment env, HikariDataSource ds, PrintStream out) {
        OutboxWriter outbox = new OutboxWriter(env.config().topics().numbersProvisioned());
        ManagedNumbersBackfill.Result result = new ManagedNumbersBackfill(ds, outbox).run(dryRun);
        if (result.missing().isEmpty()) {
            out.println("Every active managed number has an SSOT row: nothing to re-emit.");
            return 0;
        }
        TextTable table = new TextTable("Org", "Phone number", "Twilio SID", "Vapi phone id");
        for (ManagedNumber n : result.missing()) {
            table.row(n.orgId(), n.phoneNumber(), n.twilioSid(), n.vapiPhoneId());
        }
        out.printf("%d active managed number(s) without an SSOT row:%n", result.missing().size());
        out.print(table.render());
        out.println(dryRun ? "Dry run: nothing was emitted."
                : "Re-emitted " + result.emitted() + " NumberProvisioned event(s) through the outbox; the projector heals them.");
        return 0;
    }

    /** done/total, rate and ETA on one terminal line. */
    public static final class ProgressBarPrinter {
        private final PrintStream err;
        private long lastDrawNanos;

        public ProgressBarPrinter(PrintStream err) {
            this.err = err;
        }

        public void update(BackfillProgress p) {
            long now = System.nanoTime();
            if (now - lastDrawNanos < 100_000_000L && p.done() < p.total()) {
                return;
            }
            lastDrawNanos = now;
            err.print("\r" + render(p));
            err.flush();
        }

        public void finish() {
            err.println();
        }

        static String render(BackfillProgress p) {
            int width = 30;
            double f = Math.max(0, Math.min(1, p.fraction()));
            int filled = (int) Math.round(f * width);
            String eta = p.eta().map(d -> d.toSeconds() + " s").orElse("-");
            return String.format("[%s%s] %3d%%  %,d/%,d  %,.0f events/s  ETA %s   ", "#".repeat(filled), ".".repeat(width - filled),
                    Math.round(f * 100), p.done(), p.total(), p.ratePerSecond(), eta);
        }
    }
}

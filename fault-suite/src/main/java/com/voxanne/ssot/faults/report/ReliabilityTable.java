package com.voxanne.ssot.faults.report;

import com.voxanne.ssot.faults.check.CheckReport;
import com.voxanne.ssot.faults.check.Invariant;
import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.faults.scenario.Ledger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The run as tables (Markdown): faults injected by kind (how many, how many hit something, how long the pipeline took
 * to be healthy again), then invariants (subjects checked, violations found), then the totals and the notes.
 */
public final class ReliabilityTable {
    private ReliabilityTable() {
    }

    public static String render(Ledger ledger, CheckReport report) {
        StringBuilder sb = new StringBuilder();
        sb.append("Setting `").append(ledger.setting()).append("`, seed `").append(ledger.seed()).append("`, ")
                .append(ledger.requests().size()).append(" requests (").append(ledger.duplicates().values().stream().mapToInt(i -> i).sum())
                .append(" duplicates sent), ").append(ledger.releases().size()).append(" releases (")
                .append(ledger.releaseDuplicates().values().stream().mapToInt(i -> i).sum()).append(" sent again), ")
                .append(ledger.duration().toSeconds()).append(" s.\n\n");
        sb.append("| Fault | Injected | Hit | Fault lasted (median / max) | Then recovered: healthy and a new number in the SSOT (median / max) |\n")
                .append("|---|---:|---:|---|---|\n");
        Map<FaultKind, List<Ledger.Injection>> byKind = new EnumMap<>(FaultKind.class);
        ledger.injections().forEach(i -> byKind.computeIfAbsent(i.kind(), k -> new ArrayList<>()).add(i));
        int injected = 0;
        for (Map.Entry<FaultKind, List<Ledger.Injection>> e : byKind.entrySet()) {
            List<Ledger.Injection> all = e.getValue();
            injected += all.size();
            long hit = all.stream().filter(Ledger.Injection::triggered).count();
            List<Long> lasted = all.stream().map(i -> Duration.between(i.startedAt(), i.endedAt()).toMillis()).sorted().toList();
            List<Long> recoveries = all.stream().filter(i -> i.recovery() != null).map(i -> i.recovery().toMillis()).sorted().toList();
            long unrecovered = all.stream().filter(i -> i.kind().disruptive() && i.recovery() == null).count();
            String recovery = recoveries.isEmpty() ? "-" : medianAndMax(recoveries);
            if (unrecovered > 0) {
                recovery += " (" + unrecovered + " not recovered in time)";
            }
            sb.append("| ").append(e.getKey()).append(" | ").append(all.size()).append(" | ").append(hit).append(" | ")
                    .append(medianAndMax(lasted)).append(" | ").append(recovery).append(" |\n");
        }
        int losses = ledger.losses().size();
        injected += losses;
        sb.append("| ").append(FaultKind.SSOT_LOSS).append(" | ").append(losses).append(" | ")
                .append(ledger.losses().stream().filter(l -> l.rowsDeleted() > 0).count()).append(" | - | - |\n");
        int staleRows = ledger.staleRows().size();
        injected += staleRows;
        sb.append("| ").append(FaultKind.STALE_SSOT_ROW).append(" | ").append(staleRows).append(" | ").append(staleRows)
                .append(" | - | - |\n");
        sb.append("\n| Invariant | Checked | Violations |\n|---|---:|---:|\n");
        for (Invariant i : Invariant.values()) {
            sb.append("| ").append(i).append(": ").append(i.description()).append(" | ").append(report.checkedCount(i)).append(" | ")
                    .append(report.violationsOf(i).size()).append(" |\n");
        }
        sb.append("\n**Faults injected: ").append(injected).append("; invariants checked: ").append(Invariant.values().length)
                .append(" over ").append(report.totalChecked()).append(" subjects; violations found: ").append(report.totalViolations())
                .append(".**\n");
        if (!report.httpAttacks().isEmpty()) {
            sb.append("\n| Attack on the status server | Expected | Got |\n|---|---|---|\n");
            report.httpAttacks().forEach(a -> sb.append("| ").append(a.attack()).append(" | ").append(a.expected()).append(" | ")
                    .append(a.got()).append(a.held() ? "" : " **(got through)**").append(" |\n"));
        }
        if (!report.explainedTransients().isEmpty()) {
            sb.append("\nTransient violations explained by a disruptive fault (opened, then resolved by the pipeline itself): ")
                    .append(report.explainedTransients().size()).append('\n');
            report.explainedTransients().stream().limit(10).forEach(t -> sb.append("- ").append(t).append('\n'));
        }
        if (!ledger.notes().isEmpty()) {
            sb.append("\nNotes of the run (not judged):\n");
            ledger.notes().stream().limit(30).forEach(n -> sb.append("- ").append(n).append('\n'));
            if (ledger.notes().size() > 30) {
                sb.append("- ... and ").append(ledger.notes().size() - 30).append(" more\n");
            }
        }
        if (!report.passed()) {
            sb.append("\nViolations:\n");
            report.all().stream().limit(50).forEach(v -> sb.append("- ").append(v).append('\n'));
        }
        return sb.toString();
    }

    private static String medianAndMax(List<Long> sortedMillis) {
        return seconds(sortedMillis.get(sortedMillis.size() / 2)) + " / " + seconds(sortedMillis.get(sortedMillis.size() - 1));
    }

    private static String seconds(long millis) {
        return String.format("%.1f s", millis / 1000.0);
    }
}

package com.voxanne.ssot.reconciler.report;

import com.voxanne.ssot.platform.text.TextTable;
import com.voxanne.ssot.reconciler.audit.AuditFinding;
import com.voxanne.ssot.reconciler.audit.CheckResult;
import com.voxanne.ssot.reconciler.audit.ComplianceReport;
import com.voxanne.ssot.reconciler.audit.DropdownEntry;
import com.voxanne.ssot.reconciler.audit.DropdownListing;
import com.voxanne.ssot.reconciler.audit.NumberCheck;
import com.voxanne.ssot.reconciler.audit.Organization;
import com.voxanne.ssot.reconciler.query.EpisodeView;
import com.voxanne.ssot.reconciler.violations.ViolationsReader.ViolationUpdate;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import java.util.Collection;
import java.util.List;

/**
 * Plain-text renderings of the audit commands' results, for the CLI: the seed's compliance table
 * ({@code check}), the dropdown listing, the SQL audit, and the violations (snapshot and follow lines).
 */
public final class AuditReports {
    private AuditReports() {
    }

    public static String organization(Organization org) {
        return org.name() + " <" + org.email() + "> (" + org.id() + ")";
    }

    public static String compliance(ComplianceReport report) {
        StringBuilder sb = new StringBuilder();
        sb.append("SSOT compliance check: ").append(organization(report.organization())).append('\n');
        if (report.numbers().isEmpty()) {
            sb.append("\nNo active managed numbers.\n");
        }
        for (NumberCheck n : report.numbers()) {
            sb.append('\n').append("Managed number ").append(n.phoneNumber())
                    .append("  vapiPhoneId ").append(n.vapiPhoneId())
                    .append("  twilioSid ").append(n.twilioSid() == null ? "-" : n.twilioSid())
                    .append("  provisioned ").append(n.provisionedAt() == null ? "-" : n.provisionedAt())
                    .append("  SSOT record ").append(n.ssotRecordAt() == null ? "-" : n.ssotRecordAt())
                    .append('\n');
            TextTable table = new TextTable("Check", "Status", "Details");
            for (CheckResult c : n.checks()) {
                table.row(c.check(), c.pass() ? "PASS" : "FAIL", c.details());
            }
            sb.append(table.render());
            sb.append("Verdict: ").append(n.compliance()).append('\n');
        }
        long failing = report.numbers().stream().filter(n -> !n.passed()).count();
        sb.append('\n').append(report.violation()
                ? "RESULT: FAIL - SSOT violation on " + failing + " of " + report.numbers().size() + " managed numbers"
                : "RESULT: PASS - no violation detected").append('\n');
        return sb.toString();
    }

    /**
     * The org's compliance timeline under the compliance table: one line per violation episode, newest first (opened,
     * number, kind, how long it lasted or has lasted so far, what resolved it or that it is still open).
     */
    public static String timeline(List<EpisodeView> episodes) {
        StringBuilder sb = new StringBuilder("\nCompliance timeline (from the reconciler): ");
        if (episodes.isEmpty()) {
            return sb.append("no violation episodes within the retention\n").toString();
        }
        sb.append(episodes.size()).append(" episode(s), newest first\n");
        TextTable table = new TextTable("Opened", "Number", "Kind", "Duration", "Resolved by");
        for (EpisodeView e : episodes) {
            table.row(String.valueOf(e.openedAt()), e.phoneNumber(), e.kind(), duration(e.durationSeconds()),
                    "RESOLVED".equals(e.state()) ? (e.resolvedBy() == null ? "unknown writer" : e.resolvedBy())
                            : "still open");
        }
        return sb.append(table.render()).toString();
    }

    /** The one line printed instead of the timeline when no reconciler could give it. */
    public static String timelineUnavailable(String reason) {
        return "\nCompliance timeline: unavailable - " + reason + "\n";
    }

    /** e.g. {@code 42s}, {@code 3m 05s}, {@code 2h 00m 07s}, {@code 3d 04h 00m}. */
    static String duration(long seconds) {
        long s = Math.max(0, seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm %02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format("%dh %02dm %02ds", s / 3600, s % 3600 / 60, s % 60);
        }
        return String.format("%dd %02dh %02dm", s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    }

    public static String dropdown(DropdownListing listing) {
        StringBuilder sb = new StringBuilder("Agent-config dropdown for ").append(organization(listing.organization()))
                .append(": ").append(listing.entries().size()).append(" number(s)\n");
        if (!listing.entries().isEmpty()) {
            TextTable table = new TextTable("Phone number", "Vapi phone id", "Twilio SID", "Managed", "Active number");
            listing.entries().forEach(e -> table.row(e.phoneNumber(), e.vapiPhoneId(), e.twilioSid(), e.managed() ? "yes" : "no",
                    e.stale() ? "NONE (stale row: STALE_SSOT_ROW)" : "yes"));
            sb.append(table.render());
            long stale = listing.entries().stream().filter(DropdownEntry::stale).count();
            if (stale > 0) {
                sb.append(stale).append(" number(s) offered with no active managed number behind them: an agent assigned"
                        + " to one takes no calls\n");
            }
        }
        return sb.toString();
    }

    public static String audit(List<AuditFinding> findings) {
        if (findings.isEmpty()) {
            return "SSOT audit: every active managed number has a valid SSOT row, and every SSOT row an active managed number.\n";
        }
        TextTable table = new TextTable("Org", "Phone number", "Kind", "Expected vapiPhoneId", "Observed vapiPhoneId",
                "is_managed", "Managed number id");
        findings.forEach(f -> table.row(f.orgEmail() == null ? f.orgId() : f.orgEmail(), f.phoneNumber(), f.kind(),
                f.expectedVapiPhoneId(), f.observedVapiPhoneId(), f.managedFlag(), f.managedNumberId()));
        return "SSOT audit: " + findings.size() + " managed number(s) without a valid SSOT row\n" + table.render();
    }

    public static String violations(Collection<SsotViolation> violations) {
        if (violations.isEmpty()) {
            return "No violations.\n";
        }
        TextTable table = new TextTable("Org", "Phone number", "Kind", "State", "Missing since", "Detected at",
                "Resolved at");
        violations.forEach(v -> table.row(v.getOrgId(), v.getPhoneNumber(), v.getKind(), v.getState(),
                v.getMissingSince(), v.getDetectedAt(), v.getResolvedAt()));
        return table.render();
    }

    /** One line per record in follow mode. */
    public static String line(ViolationUpdate update) {
        if (update.error() != null) {
            return "UNDECODABLE key=" + update.key() + " partition=" + update.partition() + " offset=" + update.offset()
                    + ": " + update.error();
        }
        SsotViolation v = update.violation();
        if (v == null) {
            return "DELETED   " + update.key();
        }
        return String.format("%-9s %s %s %s missingSince=%s detectedAt=%s%s", v.getState(), v.getOrgId(),
                v.getPhoneNumber(), v.getKind(), v.getMissingSince(), v.getDetectedAt(),
                v.getResolvedAt() == null ? "" : " resolvedAt=" + v.getResolvedAt());
    }
}

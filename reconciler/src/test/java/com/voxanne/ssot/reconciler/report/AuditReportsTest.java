package com.voxanne.ssot.reconciler.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.reconciler.audit.AuditFinding;
import com.voxanne.ssot.reconciler.audit.ComplianceCheck;
import com.voxanne.ssot.reconciler.audit.ComplianceReport;
import com.voxanne.ssot.reconciler.audit.DropdownEntry;
import com.voxanne.ssot.reconciler.audit.DropdownListing;
import com.voxanne.ssot.reconciler.audit.NumberCheck;
import com.voxanne.ssot.reconciler.audit.Organization;
import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.query.EpisodeView;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AuditReportsTest {
    private final Organization org = new Organization(UUID.fromString("46cf2995-2bee-44e3-838b-24151486fe4e"),
            "Voxanne Demo Clinic", "voxanne@demo.com");

    @Test
    void shouldRenderSeedStyleComplianceTableWithOverallResult() {
        ManagedNumberRow managed = new ManagedNumberRow("m-1", org.id().toString(), "+14158497226", "PN1", "vapi-1", "active");
        NumberCheck number = new NumberCheck("+14158497226", "m-1", "vapi-1", "PN1", Instant.EPOCH, null,
                Compliance.MISSING_SSOT_ROW, ComplianceCheck.checks(managed, null, null));

        String text = AuditReports.compliance(new ComplianceReport(org, List.of(number)));

        assertThat(text).contains("Voxanne Demo Clinic <voxanne@demo.com>")
                .contains("| Managed number exists | PASS   |")
                .contains("| SSOT record exists    | FAIL   | no org_credentials row")
                .contains("Verdict: MISSING_SSOT_ROW")
                .contains("RESULT: FAIL - SSOT violation on 1 of 1 managed numbers");
    }

    @Test
    void shouldRenderDropdownAndAuditTables() {
        String dropdown = AuditReports.dropdown(new DropdownListing(org,
                List.of(new DropdownEntry("+14158497226", "vapi-1", "PN1", true, false),
                        new DropdownEntry("+14158497299", "vapi-9", "PN9", true, true))));
        String audit = AuditReports.audit(List.of(new AuditFinding(org.id().toString(), org.email(), "+14155550100",
                Compliance.VAPI_ID_MISMATCH, "m-2", "vapi-2", "vapi-x", true, Instant.EPOCH)));

        assertThat(dropdown).contains("2 number(s)").contains("| +14158497226 | vapi-1        | PN1        | yes     | yes ")
                .contains("| +14158497299 | vapi-9        | PN9        | yes     | NONE (stale row: STALE_SSOT_ROW) |")
                .contains("1 number(s) offered with no active managed number behind them");
        assertThat(audit).contains("1 managed number(s) without a valid SSOT row").contains("VAPI_ID_MISMATCH")
                .contains("vapi-x");
        assertThat(AuditReports.audit(List.of())).contains("every active managed number has a valid SSOT row");
    }

    @Test
    void shouldRenderTheTimelineNewestFirstWithDurationsAndWhatResolvedEachEpisode() {
        // given
        Instant opened = Instant.parse("2026-02-11T10:00:30Z");
        EpisodeView open = new EpisodeView(org.id().toString(), "+14158497227", "VAPI_ID_MISMATCH", "OPEN",
                opened.plusSeconds(3600), opened.plusSeconds(3630), null, 3725, null);
        EpisodeView resolved = new EpisodeView(org.id().toString(), "+14158497226", "MISSING_SSOT_ROW", "RESOLVED",
                opened.minusSeconds(30), opened, opened.plusSeconds(42), 42, "BACKFILL");
        EpisodeView unknown = new EpisodeView(org.id().toString(), "+14158497228", "MISSING_SSOT_ROW", "RESOLVED",
                opened.minusSeconds(90_000), opened.minusSeconds(90_000), opened, 90_000, null);

        // when
        String text = AuditReports.timeline(List.of(open, resolved, unknown));

        // then
        assertThat(text).contains("3 episode(s), newest first")
                .contains("| 2026-02-11T11:01:00Z | +14158497227 | VAPI_ID_MISMATCH | 1h 02m 05s | still open     |")
                .contains("| 2026-02-11T10:00:30Z | +14158497226 | MISSING_SSOT_ROW | 42s        | BACKFILL       |")
                .contains("| 1d 01h 00m | unknown writer |");
        assertThat(AuditReports.timeline(List.of())).contains("no violation episodes within the retention");
        assertThat(AuditReports.timelineUnavailable("no running reconciler found"))
                .isEqualTo("\nCompliance timeline: unavailable - no running reconciler found\n");
        assertThat(AuditReports.duration(185)).isEqualTo("3m 05s");
    }
}

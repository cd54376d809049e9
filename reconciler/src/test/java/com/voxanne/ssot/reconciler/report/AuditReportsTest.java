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
                List.of(new DropdownEntry("+14158497226", "vapi-1", "PN1", true))));
        String audit = AuditReports.audit(List.of(new AuditFinding(org.id().toString(), org.email(), "+14155550100",
                Compliance.VAPI_ID_MISMATCH, "m-2", "vapi-2", "vapi-x", true, Instant.EPOCH)));

        assertThat(dropdown).contains("1 number(s)").contains("| +14158497226 | vapi-1        | PN1        | yes     |");
        assertThat(audit).contains("1 managed number(s) without a valid SSOT row").contains("VAPI_ID_MISMATCH")
                .contains("vapi-x");
        assertThat(AuditReports.audit(List.of())).contains("every active managed number has a valid SSOT row");
    }
}

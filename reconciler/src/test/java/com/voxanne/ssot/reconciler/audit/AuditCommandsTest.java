package com.voxanne.ssot.reconciler.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.testing.Rows;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ComplianceCheck, Dropdown and SsotAudit against a real PostgreSQL with crafted rows (no Kafka involved). */
class AuditCommandsTest {
    private static TestDatabase db;
    private static UUID demo;
    private static UUID broken;
    private static UUID empty;
    private static UUID stale;

    @BeforeAll
    static void givenCraftedRows() throws Exception {
        db = TestStack.get().newDatabase("reconciler_audit");
        Rows rows = new Rows(db.dataSource());
        // the seed's compliant org
        demo = rows.organization("Voxanne Demo Clinic", "voxanne@demo.com");
        rows.managed(demo, "+14158497226", "55976957-887d-44a4-8c79-6a02d4c91aa1");
        rows.credentials(demo, "+14158497226", "55976957-887d-44a4-8c79-6a02d4c91aa1", true);
        // an org with every kind of problem, a released number and a non-managed extra credential
        broken = rows.organization("Broken Clinic", "broken@clinic.test");
        rows.managed(broken, "+14155550001", "vapi-missing-row");
        rows.managed(broken, "+14155550002", "vapi-expected");
        rows.credentials(broken, "+14155550002", "vapi-other", true);
        rows.managed(broken, "+14155550003", "vapi-3");
        rows.credentials(broken, "+14155550003", "vapi-3", false);
        rows.managed(broken, "+14155550004", "vapi-4");
        rows.credentials(broken, "+14155550004", null, true);
        rows.released(broken, "+14155550005", "vapi-5");
        rows.credentials(broken, "+14155550006", "vapi-byo", false);
        empty = rows.organization("Empty Clinic", "empty@clinic.test");
        // the other direction: a released number still offered, a row claiming a managed number nobody bought, and a
        // customer's own number (not managed, no managed number: not ours to judge)
        stale = rows.organization("Stale Clinic", "stale@clinic.test");
        rows.released(stale, "+14155550007", "vapi-7");
        rows.credentials(stale, "+14155550007", "vapi-7", true);
        rows.credentials(stale, "+14155550008", "vapi-8", true);
        rows.credentials(stale, "+14155550009", "vapi-byo", false);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void shouldPassEveryCheckForCompliantOrgFoundByEmail() {
        ComplianceReport report = new ComplianceCheck(db.dataSource()).check("Voxanne@Demo.com");

        assertThat(report.organization().id()).isEqualTo(demo);
        assertThat(report.violation()).isFalse();
        assertThat(report.numbers()).hasSize(1);
        NumberCheck number = report.numbers().get(0);
        assertThat(number.compliance()).isEqualTo(Compliance.COMPLIANT);
        assertThat(number.checks()).extracting(CheckResult::check, CheckResult::pass).containsExactly(
                tuple(CheckResult.MANAGED_NUMBER_EXISTS, true),
                tuple(CheckResult.SSOT_RECORD_EXISTS, true),
                tuple(CheckResult.IS_MANAGED_SET, true),
                tuple(CheckResult.VAPI_ID_PRESENT, true),
                tuple(CheckResult.VAPI_ID_MATCHES, true),
                tuple(CheckResult.DROPDOWN_VISIBLE, true));
    }

    @Test
    void shouldFailTheRightChecksForEachProblemFoundById() {
        ComplianceReport report = new ComplianceCheck(db.dataSource()).check(broken.toString());

        assertThat(report.violation()).isTrue();
        assertThat(report.numbers()).extracting(NumberCheck::phoneNumber, NumberCheck::compliance).containsExactly(
                tuple("+14155550001", Compliance.MISSING_SSOT_ROW),
                tuple("+14155550002", Compliance.VAPI_ID_MISMATCH),
                tuple("+14155550003", Compliance.NOT_MARKED_MANAGED),
                tuple("+14155550004", Compliance.MISSING_VAPI_ID));
        assertThat(failed(report.numbers().get(0))).containsExactly(CheckResult.SSOT_RECORD_EXISTS,
                CheckResult.IS_MANAGED_SET, CheckResult.VAPI_ID_PRESENT, CheckResult.VAPI_ID_MATCHES,
                CheckResult.DROPDOWN_VISIBLE);
        assertThat(failed(report.numbers().get(1))).containsExactly(CheckResult.VAPI_ID_MATCHES);
        assertThat(report.numbers().get(1).checks().get(4).details()).contains("vapi-other").contains("vapi-expected");
        assertThat(failed(report.numbers().get(2))).containsExactly(CheckResult.IS_MANAGED_SET);
        assertThat(failed(report.numbers().get(3))).containsExactly(CheckResult.VAPI_ID_PRESENT,
                CheckResult.VAPI_ID_MATCHES, CheckResult.DROPDOWN_VISIBLE);
    }

    @Test
    void shouldReportNoViolationForOrgWithoutManagedNumbers() {
        ComplianceReport report = new ComplianceCheck(db.dataSource()).check("empty@clinic.test");

        assertThat(report.numbers()).isEmpty();
        assertThat(report.violation()).isFalse();
    }

    @Test
    void shouldFailClearlyForUnknownOrganization() {
        assertThatThrownBy(() -> new ComplianceCheck(db.dataSource()).check("nobody@nowhere.test"))
                .isInstanceOf(UnknownOrganizationException.class).hasMessageContaining("nobody@nowhere.test");
        assertThatThrownBy(() -> new Dropdown(db.dataSource()).list(UUID.randomUUID().toString()))
                .isInstanceOf(UnknownOrganizationException.class);
    }

    @Test
    void shouldListOnlyThatOrgsVisibleNumbersInDropdown() {
        DropdownListing demoListing = new Dropdown(db.dataSource()).list("voxanne@demo.com");
        DropdownListing brokenListing = new Dropdown(db.dataSource()).list(broken.toString());

        assertThat(demoListing.entries()).extracting(DropdownEntry::phoneNumber).containsExactly("+14158497226");
        assertThat(brokenListing.entries()).extracting(DropdownEntry::phoneNumber)
                .containsExactly("+14155550002", "+14155550003", "+14155550006")
                .doesNotContain("+14155550004", "+14158497226");
        assertThat(new Dropdown(db.dataSource()).list(empty.toString()).entries()).isEmpty();
    }

    @Test
    void shouldFindEveryActiveManagedNumberWithoutValidSsotRow() {
        List<AuditFinding> findings = new SsotAudit(db.dataSource()).findings().stream()
                .filter(f -> f.orgId().equals(broken.toString())).toList();

        assertThat(findings).extracting(AuditFinding::phoneNumber, AuditFinding::kind).containsExactly(
                tuple("+14155550001", Compliance.MISSING_SSOT_ROW),
                tuple("+14155550002", Compliance.VAPI_ID_MISMATCH),
                tuple("+14155550003", Compliance.NOT_MARKED_MANAGED),
                tuple("+14155550004", Compliance.MISSING_VAPI_ID));
        AuditFinding mismatch = findings.get(1);
        assertThat(mismatch.orgId()).isEqualTo(broken.toString());
        assertThat(mismatch.orgEmail()).isEqualTo("broken@clinic.test");
        assertThat(mismatch.expectedVapiPhoneId()).isEqualTo("vapi-expected");
        assertThat(mismatch.observedVapiPhoneId()).isEqualTo("vapi-other");
        assertThat(mismatch.key()).isEqualTo(broken + "|+14155550002");
        assertThat(findings.get(0).managedFlag()).isNull();
    }

    @Test
    void shouldShowSsotRowsWithNoActiveManagedNumberInCheckDropdownAndAudit() {
        // when
        ComplianceReport report = new ComplianceCheck(db.dataSource()).check("stale@clinic.test");
        DropdownListing listing = new Dropdown(db.dataSource()).list("stale@clinic.test");
        List<AuditFinding> findings = new SsotAudit(db.dataSource()).findings().stream()
                .filter(f -> f.orgId().equals(stale.toString())).toList();

        // then check fails both stale rows (the dropdown offers dead numbers), not the customer's own number
        assertThat(report.numbers()).extracting(NumberCheck::phoneNumber, NumberCheck::compliance).containsExactly(
                tuple("+14155550007", Compliance.STALE_SSOT_ROW), tuple("+14155550008", Compliance.STALE_SSOT_ROW));
        assertThat(report.numbers()).allSatisfy(n -> assertThat(failed(n))
                .containsExactly(CheckResult.MANAGED_NUMBER_EXISTS, CheckResult.DROPDOWN_VISIBLE));
        assertThat(report.numbers().get(0).checks().get(0).details()).contains("was released at");
        // the dropdown marks them
        assertThat(listing.entries()).extracting(DropdownEntry::phoneNumber, DropdownEntry::stale).containsExactly(
                tuple("+14155550007", true), tuple("+14155550008", true), tuple("+14155550009", false));
        // and the audit finds them, the released one with its managed row
        assertThat(findings).extracting(AuditFinding::phoneNumber, AuditFinding::kind).containsExactly(
                tuple("+14155550007", Compliance.STALE_SSOT_ROW), tuple("+14155550008", Compliance.STALE_SSOT_ROW));
        assertThat(findings.get(0).managedNumberId()).isNotEmpty();
        assertThat(findings.get(1).managedNumberId()).isEmpty();
    }

    private static List<String> failed(NumberCheck n) {
        return n.checks().stream().filter(c -> !c.pass()).map(CheckResult::check).toList();
    }
}

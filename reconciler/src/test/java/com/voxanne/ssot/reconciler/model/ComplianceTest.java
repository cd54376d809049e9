package com.voxanne.ssot.reconciler.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.schemas.avro.ViolationKind;
import org.junit.jupiter.api.Test;

class ComplianceTest {
    private final ManagedNumberRow managed = new ManagedNumberRow("id-1", "org-1", "+14155550100", "PN1", "vapi-1", "active");

    private SsotRow row(String vapi, boolean isManaged) {
        return new SsotRow(1L, "org-1", "twilio", "+14155550100", vapi, "PN1", isManaged, 1L);
    }

    @Test
    void shouldBeCompliantWhenRowMatchesAndIsManaged() {
        assertThat(Compliance.of(managed, row("vapi-1", true))).isEqualTo(Compliance.COMPLIANT);
        assertThat(Compliance.COMPLIANT.violation()).isFalse();
    }

    @Test
    void shouldClassifyEachViolationKind() {
        assertThat(Compliance.of(managed, null)).isEqualTo(Compliance.MISSING_SSOT_ROW);
        assertThat(Compliance.of(managed, row(null, true))).isEqualTo(Compliance.MISSING_VAPI_ID);
        assertThat(Compliance.of(managed, row(" ", true))).isEqualTo(Compliance.MISSING_VAPI_ID);
        assertThat(Compliance.of(managed, row("vapi-2", true))).isEqualTo(Compliance.VAPI_ID_MISMATCH);
        assertThat(Compliance.of(managed, row("vapi-1", false))).isEqualTo(Compliance.NOT_MARKED_MANAGED);
    }

    @Test
    void shouldPreferTheMoreFundamentalKindWhenSeveralApply() {
        assertThat(Compliance.of(managed, row(null, false))).isEqualTo(Compliance.MISSING_VAPI_ID);
        assertThat(Compliance.of(managed, row("vapi-2", false))).isEqualTo(Compliance.VAPI_ID_MISMATCH);
    }

    @Test
    void shouldMapEveryViolationToTheContractKind() {
        for (Compliance c : Compliance.values()) {
            if (c.violation()) {
                assertThat(c.toKind()).isEqualTo(ViolationKind.valueOf(c.name()));
            }
        }
        assertThatThrownBy(Compliance.COMPLIANT::toKind).isInstanceOf(IllegalStateException.class);
    }
}

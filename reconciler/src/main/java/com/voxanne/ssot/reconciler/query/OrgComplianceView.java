package com.voxanne.ssot.reconciler.query;

import com.voxanne.ssot.reconciler.model.Compliance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** {@code GET /api/compliance?org=<uuid>}: every active managed number of the organisation. */
public record OrgComplianceView(String orgId, boolean compliant, int managedNumbers, int nonCompliant,
                                List<NumberComplianceView> numbers) {

    /** The view of these numbers (from one instance's stores, or every instance's merged), by phone number. */
    public static OrgComplianceView of(String orgId, List<NumberComplianceView> numbers) {
        List<NumberComplianceView> sorted = new ArrayList<>(numbers);
        sorted.sort(Comparator.comparing(NumberComplianceView::phoneNumber));
        int nonCompliant = (int) sorted.stream().filter(n -> !n.compliance().equals(Compliance.COMPLIANT.name())).count();
        return new OrgComplianceView(orgId, nonCompliant == 0, sorted.size(), nonCompliant, List.copyOf(sorted));
    }
}

package com.voxanne.ssot.reconciler.query;

import java.util.List;

/** {@code GET /api/compliance?org=<uuid>}: every active managed number of the organisation. */
public record OrgComplianceView(String orgId, boolean compliant, int managedNumbers, int nonCompliant,
                                List<NumberComplianceView> numbers) {
}

package com.voxanne.ssot.reconciler.audit;

import java.util.List;

/**
 * The seed's SSOT compliance check for one organisation: a table per active managed number, and the
 * overall answer ({@code violation} true when any check of any number fails). An organisation without
 * managed numbers has nothing to violate.
 */
public record ComplianceReport(Organization organization, List<NumberCheck> numbers) {
    public ComplianceReport {
        numbers = List.copyOf(numbers);
    }

    public boolean violation() {
        return numbers.stream().anyMatch(n -> !n.passed());
    }
}

package com.voxanne.ssot.faults.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the checker found: for each invariant, how many subjects it checked (requests, numbers, records, log lines...)
 * and every violation, each a sentence saying what is wrong with which subject.
 *
 * @param explainedTransients violations that opened while a disruptive fault delayed the SSOT write, and resolved
 * @param httpAttacks         the attacks tried on the status server and what each got (for the report)
 */
public record CheckReport(Map<Invariant, Integer> checked, Map<Invariant, List<String>> violations, List<String> explainedTransients,
                          List<ObservedState.HttpAttack> httpAttacks) {
    public CheckReport {
        checked = Map.copyOf(checked);
        violations = Map.copyOf(violations);
        explainedTransients = List.copyOf(explainedTransients);
        httpAttacks = List.copyOf(httpAttacks);
    }

    public boolean passed() {
        return violations.values().stream().allMatch(List::isEmpty);
    }

    public int checkedCount(Invariant invariant) {
        return checked.getOrDefault(invariant, 0);
    }

    public List<String> violationsOf(Invariant invariant) {
        return violations.getOrDefault(invariant, List.of());
    }

    public int totalChecked() {
        return checked.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int totalViolations() {
        return violations.values().stream().mapToInt(List::size).sum();
    }

    /** Every violation, prefixed with its invariant. */
    public List<String> all() {
        List<String> out = new ArrayList<>();
        for (Invariant i : Invariant.values()) {
            violationsOf(i).forEach(v -> out.add(i + ": " + v));
        }
        return out;
    }
}

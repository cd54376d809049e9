package com.voxanne.ssot.reconciler.query;

import java.util.Map;
import java.util.Set;

/**
 * Some partitions had no instance to answer for them (an instance down or not answering, or the group rebalancing):
 * the answer would be partial, and a partial answer could say "compliant" for a number nobody looked at, so none is
 * given (503).
 */
public final class PartialAnswerException extends Exception {
    private final Set<Integer> missingPartitions;
    private final Map<String, String> unavailableInstances;

    public PartialAnswerException(Set<Integer> missingPartitions, Map<String, String> unavailableInstances) {
        super("no complete answer: " + (missingPartitions.isEmpty() ? "" : "partitions " + missingPartitions
                + " have no instance answering for them; ") + (unavailableInstances.isEmpty() ? ""
                : "instances not answering: " + unavailableInstances + "; ") + "retry once the reconciler group has rebalanced");
        this.missingPartitions = Set.copyOf(missingPartitions);
        this.unavailableInstances = Map.copyOf(unavailableInstances);
    }

    public Set<Integer> missingPartitions() {
        return missingPartitions;
    }

    /** Instance ({@code host:port}) to why its part is missing. */
    public Map<String, String> unavailableInstances() {
        return unavailableInstances;
    }
}

package com.voxanne.ssot.reconciler.topology;

/**
 * Whether the reconciler has caught up with its inputs, so that what it sees is the present and not a
 * replay, a restore or a rebalance still in progress. While the gate is closed the topology keeps
 * recording observations (and when each number became non-compliant) but publishes nothing: a number
 * whose SSOT row is merely further down the backlog must not page anyone.
 *
 * <p>Called from the stream thread at every punctuation: implementations must answer from memory,
 * without I/O.
 */
@FunctionalInterface
public interface CatchUpGate {
    /** A gate that is always open (for tests and tools that replay nothing). */
    CatchUpGate ALWAYS_OPEN = () -> true;

    boolean caughtUp();
}

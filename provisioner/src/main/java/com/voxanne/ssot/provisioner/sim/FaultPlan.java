package com.voxanne.ssot.provisioner.sim;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which faults a simulated provider injects, per operation: queued one-off faults (the next N calls), a standing
 * fault (every call until cleared) and a latency added to every call. Thread-safe.
 */
public final class FaultPlan<O extends Enum<O>> {
    private final Map<O, Deque<Fault>> queued;
    private final Map<O, Fault> standing;
    private final Map<O, Duration> latency;
    private final Map<O, Integer> calls;
    private final Class<O> operations;

    public FaultPlan(Class<O> operations) {
        this.operations = operations;
        this.queued = new EnumMap<>(operations);
        this.standing = new EnumMap<>(operations);
        this.latency = new EnumMap<>(operations);
        this.calls = new EnumMap<>(operations);
    }

    /** The next {@code times} calls of {@code operation} get {@code fault}. */
    public synchronized FaultPlan<O> failNext(O operation, Fault fault, int times) {
        Deque<Fault> q = queued.computeIfAbsent(operation, o -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            q.addLast(fault);
        }
        return this;
    }

    public FaultPlan<O> failNext(O operation, Fault fault) {
        return failNext(operation, fault, 1);
    }

    /** Every call of {@code operation} gets {@code fault} until {@link #clear}. */
    public synchronized FaultPlan<O> failAlways(O operation, Fault fault) {
        standing.put(operation, fault);
        return this;
    }

    /** Every call of {@code operation} takes at least this long. */
    public synchronized FaultPlan<O> latency(O operation, Duration delay) {
        latency.put(operation, delay);
        return this;
    }

    /** Every operation takes at least this long. */
    public synchronized FaultPlan<O> latencyForAll(Duration delay) {
        for (O o : operations.getEnumConstants()) {
            latency.put(o, delay);
        }
        return this;
    }

    /** No faults and no latency any more. */
    public synchronized void clear() {
        queued.clear();
        standing.clear();
        latency.clear();
    }

    /** How many calls of {@code operation} arrived (faulty ones included). */
    public synchronized int calls(O operation) {
        return calls.getOrDefault(operation, 0);
    }

    synchronized Optional<Fault> next(O operation) {
        calls.merge(operation, 1, Integer::sum);
        Deque<Fault> q = queued.get(operation);
        if (q != null && !q.isEmpty()) {
            return Optional.of(q.pollFirst());
        }
        return Optional.ofNullable(standing.get(operation));
    }

    synchronized Duration latencyOf(O operation) {
        return latency.getOrDefault(operation, Duration.ZERO);
    }
}

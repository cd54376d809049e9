package com.voxanne.ssot.platform.service;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a {@link ManagedService} is in its life, the same for every service: it starts once, and closes once (from any
 * state, from any thread). A service calls {@link #beginStart()} first thing in {@code start()}, {@link #running()}
 * when it is up, and {@link #beginClose()} first thing in {@code close()} (which returns early when it gives false).
 */
public final class Lifecycle {
    public enum State { NEW, STARTING, RUNNING, CLOSED }

    private final String service;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

    public Lifecycle(String service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    /** NEW -> STARTING. @throws IllegalStateException when started before, or closed */
    public void beginStart() {
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException(service + " cannot start: it is " + state.get() + " (a service starts once)");
        }
    }

    /** STARTING -> RUNNING (a close that came first wins: the service stays CLOSED). */
    public void running() {
        state.compareAndSet(State.STARTING, State.RUNNING);
    }

    /** Moves to CLOSED; true only for the first call, which must do the closing. */
    public boolean beginClose() {
        return state.getAndSet(State.CLOSED) != State.CLOSED;
    }

    public State state() {
        return state.get();
    }

    public boolean isRunning() {
        return state.get() == State.RUNNING;
    }

    public boolean isClosed() {
        return state.get() == State.CLOSED;
    }

    @Override
    public String toString() {
        return service + " " + state.get();
    }
}

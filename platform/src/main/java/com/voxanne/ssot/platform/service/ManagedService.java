package com.voxanne.ssot.platform.service;

import com.voxanne.ssot.platform.http.ComponentHealth;

/**
 * One part of the pipeline (relay, provisioner, projector, reconciler) as the CLI runs it, alone
 * ({@code ./ssot run NAME}) or together ({@code ./ssot up}). {@link #start()} returns once the service
 * is running (or throws a clear error after its start timeout); {@link #close()} stops it cleanly,
 * committing nothing that was not done.
 */
public interface ManagedService extends AutoCloseable {
    String name();

    void start() throws Exception;

    ComponentHealth health();

    @Override
    void close();
}

package com.voxanne.ssot.provisioner.store;

/**
 * The saga is no longer ours: its lease ran out and another worker or instance took it over (or it moved on). The
 * caller must stop working on it at once and write nothing more; the new owner resumes from the stored state.
 */
public final class LeaseLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LeaseLostException(String requestId, String owner) {
        super("saga " + requestId + " is no longer leased by " + owner);
    }
}

package com.voxanne.ssot.faults.inject;

/**
 * What a process kill looks like to the thread it hits: an {@link Error} nobody handles. The services treat an Error
 * on a worker thread as the end of the process (nothing more is written, nothing is handed back).
 */
public final class SimulatedKill extends Error {
    private static final long serialVersionUID = 1L;

    public SimulatedKill(String where) {
        super("simulated process kill " + where);
    }
}

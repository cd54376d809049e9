package com.voxanne.ssot.provisioner.saga;

/**
 * A provider refused our configuration in the middle of a saga step (see {@link ProviderCircuit}): the step stops
 * where it is, the saga is handed back unchanged and waits for the circuit to close. Not a failure of the request.
 */
final class CircuitOpenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CircuitOpenException(String reason) {
        super(reason);
    }
}

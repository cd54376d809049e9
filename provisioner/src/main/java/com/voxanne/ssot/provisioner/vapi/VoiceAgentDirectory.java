package com.voxanne.ssot.provisioner.vapi;

import com.voxanne.ssot.provisioner.ProviderException;
import java.util.List;
import java.util.Optional;

/**
 * Where bought numbers are imported so voice agents can answer them (Vapi). Vapi has no idempotency key either:
 * after an ambiguous import the saga looks the number up ({@link #findByNumber}) before importing again.
 */
public interface VoiceAgentDirectory {

    /** Imports a bought number; the answer's id may be blank (the saga validates it). */
    ImportedNumber importNumber(String e164, String name) throws ProviderException;

    /** The import of {@code e164}, if there is one. */
    Optional<ImportedNumber> findByNumber(String e164) throws ProviderException;

    /** Deletes an import. Idempotent: false when it was already gone. */
    boolean delete(String id) throws ProviderException;

    /** Every imported number (for the inventory audit). */
    List<ImportedNumber> listAll() throws ProviderException;

    /** A cheap read-only call that succeeds only when the key and the base URL are right (the circuit's probe). */
    default void probe() throws ProviderException {
        findByNumber("+15005550006");
    }
}

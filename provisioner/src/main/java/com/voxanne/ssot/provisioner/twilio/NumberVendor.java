package com.voxanne.ssot.provisioner.twilio;

import com.voxanne.ssot.provisioner.ProviderException;
import java.util.List;
import java.util.Optional;

/**
 * Where phone numbers are bought (Twilio). Small on purpose: the saga needs to search, buy one exact E.164, read
 * back what the account owns (there is no idempotency key for a purchase, so after an ambiguous failure reading
 * back is the only way to know) and release. Implementations never retry a purchase by themselves.
 */
public interface NumberVendor {

    /** Numbers for sale now, in E.164, best first; empty when none matches. */
    List<String> search(String countryCode, Optional<String> areaCode, int limit) throws ProviderException;

    /** Buys exactly {@code e164} (never "any number in this area code"). */
    OwnedNumber buy(String e164, Optional<String> friendlyName) throws ProviderException;

    /** The account's number {@code e164}, if the account owns it. */
    Optional<OwnedNumber> findOwned(String e164) throws ProviderException;

    /** Releases a bought number. Idempotent: false when it was already gone. */
    boolean release(String sid) throws ProviderException;

    /** Every number the account owns (for the inventory audit). */
    List<OwnedNumber> listOwned() throws ProviderException;

    /**
     * A cheap read-only call that succeeds only when the credentials and the base URL are right (the provider
     * circuit's probe, and the check at start before the first purchase). Buys nothing.
     */
    default void probe() throws ProviderException {
        findOwned(PROBE_NUMBER);
    }

    /** A number no account owns (Twilio's documented magic test number), for a read-only probe. */
    String PROBE_NUMBER = "+15005550006";
}

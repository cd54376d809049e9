package com.voxanne.ssot.provisioner.twilio;

import com.voxanne.ssot.provisioner.ConcurrencyLimit;
import com.voxanne.ssot.provisioner.ProviderException;
import java.util.List;
import java.util.Optional;

/** A {@link NumberVendor} whose calls pass through a {@link ConcurrencyLimit} (PROVISIONER_TWILIO_MAX_CONCURRENCY). */
public final class LimitedNumberVendor implements NumberVendor {
    private final NumberVendor delegate;
    private final ConcurrencyLimit limit;

    public LimitedNumberVendor(NumberVendor delegate, ConcurrencyLimit limit) {
        this.delegate = delegate;
        this.limit = limit;
    }

    @Override
    public List<String> search(String countryCode, Optional<String> areaCode, int max) throws ProviderException {
        return limit.call("search available numbers", () -> delegate.search(countryCode, areaCode, max));
    }

    @Override
    public OwnedNumber buy(String e164, Optional<String> friendlyName) throws ProviderException {
        return limit.call("buy " + e164, () -> delegate.buy(e164, friendlyName));
    }

    @Override
    public Optional<OwnedNumber> findOwned(String e164) throws ProviderException {
        return limit.call("read back " + e164, () -> delegate.findOwned(e164));
    }

    @Override
    public boolean release(String sid) throws ProviderException {
        return limit.call("release " + sid, () -> delegate.release(sid));
    }

    @Override
    public List<OwnedNumber> listOwned() throws ProviderException {
        return limit.call("list owned numbers", delegate::listOwned);
    }

    @Override
    public void probe() throws ProviderException {
        limit.run("probe the account", delegate::probe);
    }
}

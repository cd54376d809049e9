package com.voxanne.ssot.provisioner.vapi;

import com.voxanne.ssot.provisioner.ConcurrencyLimit;
import com.voxanne.ssot.provisioner.ProviderException;
import java.util.List;
import java.util.Optional;

/** A {@link VoiceAgentDirectory} whose calls pass through a {@link ConcurrencyLimit} (PROVISIONER_VAPI_MAX_CONCURRENCY). */
public final class LimitedDirectory implements VoiceAgentDirectory {
    private final VoiceAgentDirectory delegate;
    private final ConcurrencyLimit limit;

    public LimitedDirectory(VoiceAgentDirectory delegate, ConcurrencyLimit limit) {
        this.delegate = delegate;
        this.limit = limit;
    }

    @Override
    public ImportedNumber importNumber(String e164, String name) throws ProviderException {
        return limit.call("import " + e164, () -> delegate.importNumber(e164, name));
    }

    @Override
    public Optional<ImportedNumber> findByNumber(String e164) throws ProviderException {
        return limit.call("look up " + e164, () -> delegate.findByNumber(e164));
    }

    @Override
    public boolean delete(String id) throws ProviderException {
        return limit.call("delete " + id, () -> delegate.delete(id));
    }

    @Override
    public List<ImportedNumber> listAll() throws ProviderException {
        return limit.call("list numbers", delegate::listAll);
    }

    @Override
    public void probe() throws ProviderException {
        limit.run("probe the API", delegate::probe);
    }
}

package com.voxanne.ssot.benchmarks.provisioning;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Time spent in provider calls, per request: the provisioner's Twilio and Vapi clients are wrapped so every call's
 * duration (client, HTTP and the simulated server) accumulates on the calling saga worker's thread, and the saga
 * listener moves it to the request at the next checkpoint (every provider call is followed by one on the same
 * thread). End-to-end latency minus this is the pipeline's own overhead. A call whose saga hands the work back
 * without a checkpoint (a retry) is charged to the next saga of that thread; the bench reports retries, which are
 * zero in a healthy run.
 */
final class ProviderClock {
    private final ThreadLocal<long[]> pending = ThreadLocal.withInitial(() -> new long[1]);
    private final Map<String, Long> byRequest = new ConcurrentHashMap<>();

    @FunctionalInterface
    private interface Call<T> {
        T call() throws ProviderException;
    }

    private <T> T timed(Call<T> call) throws ProviderException {
        long t0 = System.nanoTime();
        try {
            return call.call();
        } finally {
            pending.get()[0] += System.nanoTime() - t0;
        }
    }

    SagaStepListener listener() {
        return (checkpoint, saga) -> {
            long[] slot = pending.get();
            if (slot[0] > 0) {
                byRequest.merge(saga.requestId(), slot[0], Long::sum);
                slot[0] = 0;
            }
        };
    }

    /** Provider time of a request, in milliseconds (0 if it made no call). */
    double providerMillis(String requestId) {
        return byRequest.getOrDefault(requestId, 0L) / 1e6;
    }

    NumberVendor vendor(NumberVendor vendor) {
        return new NumberVendor() {
            @Override
            public List<String> search(String countryCode, Optional<String> areaCode, int limit) throws ProviderException {
                return timed(() -> vendor.search(countryCode, areaCode, limit));
            }

            @Override
            public OwnedNumber buy(String e164, Optional<String> friendlyName) throws ProviderException {
                return timed(() -> vendor.buy(e164, friendlyName));
            }

            @Override
            public Optional<OwnedNumber> findOwned(String e164) throws ProviderException {
                return timed(() -> vendor.findOwned(e164));
            }

            @Override
            public boolean release(String sid) throws ProviderException {
                return timed(() -> vendor.release(sid));
            }

            @Override
            public List<OwnedNumber> listOwned() throws ProviderException {
                return timed(vendor::listOwned);
            }
        };
    }

    VoiceAgentDirectory directory(VoiceAgentDirectory directory) {
        return new VoiceAgentDirectory() {
            @Override
            public ImportedNumber importNumber(String e164, String name) throws ProviderException {
                return timed(() -> directory.importNumber(e164, name));
            }

            @Override
            public Optional<ImportedNumber> findByNumber(String e164) throws ProviderException {
                return timed(() -> directory.findByNumber(e164));
            }

            @Override
            public boolean delete(String id) throws ProviderException {
                return timed(() -> directory.delete(id));
            }

            @Override
            public List<ImportedNumber> listAll() throws ProviderException {
                return timed(directory::listAll);
            }
        };
    }
}

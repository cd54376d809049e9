package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider circuit: a configuration error (credentials refused, a base URL that serves nothing) is not a request
 * failure. While it is open no saga is claimed, so no purchase starts; a saga that hit it waits where it is and nothing
 * is compensated (compensating would need the same broken provider, and the request did nothing wrong). It is checked
 * with read-only calls to both providers at start, before the first purchase, and re-checked by {@link #probe} until
 * both answer; then work resumes by itself. One circuit per instance; reasons are redacted (never a key).
 */
public final class ProviderCircuit {
    public static final String OPEN_GAUGE = "ssot.provisioner.circuit.open";
    private static final Logger log = LoggerFactory.getLogger(ProviderCircuit.class);

    /** Why the circuit is open, and since when. */
    public record Open(String reason, Instant since) {
    }

    private final NumberVendor vendor;
    private final VoiceAgentDirectory directory;
    private final Redactor redactor;
    private final Clock clock;
    private final AtomicReference<Open> open = new AtomicReference<>();
    private final MeterRegistry metrics;
    private final Gauge gauge;

    public ProviderCircuit(NumberVendor vendor, VoiceAgentDirectory directory, Redactor redactor, MeterRegistry metrics, Clock clock) {
        this.vendor = vendor;
        this.directory = directory;
        this.redactor = redactor;
        this.clock = clock;
        this.metrics = metrics;
        this.gauge = Gauge.builder(OPEN_GAUGE, open, o -> o.get() == null ? 0 : 1)
                .description("1 while the provider circuit is open (provider credentials or base URL refused): no purchase starts")
                .register(metrics);
    }

    public boolean isOpen() {
        return open.get() != null;
    }

    public Optional<Open> state() {
        return Optional.ofNullable(open.get());
    }

    /** A provider refused our configuration during a saga step. */
    void trip(ProviderException e) {
        openWith(e.getMessage());
    }

    private void openWith(String why) {
        String reason = redactor.redact(why);
        Open previous = open.getAndSet(new Open(reason, open.get() == null ? clock.instant() : open.get().since()));
        if (previous == null) {
            log.error("Provider circuit OPEN: {}. No purchase starts and sagas wait where they are (nothing is compensated) until a"
                    + " read-only probe succeeds; fix the credentials or base URL", reason);
        } else if (!previous.reason().equals(reason)) {
            log.warn("Provider circuit still open: {}", reason);
        }
    }

    /**
     * Read-only calls to both providers. Any failure leaves (or puts) the circuit open, including a provider that does
     * not answer at all: at start, purchases wait until both providers have been reached with our credentials.
     *
     * @return true when both answered and the circuit is closed
     */
    public boolean probe() {
        try {
            vendor.probe();
        } catch (ProviderException | RuntimeException e) {
            openWith("Twilio check failed: " + e.getMessage() + hint(e, "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_BASE_URL"));
            return false;
        }
        try {
            directory.probe();
        } catch (ProviderException | RuntimeException e) {
            openWith("Vapi check failed: " + e.getMessage() + hint(e, "VAPI_API_KEY, VAPI_BASE_URL"));
            return false;
        }
        Open was = open.getAndSet(null);
        if (was != null) {
            log.info("Provider circuit CLOSED: Twilio and Vapi accept our configuration again (open since {}); work resumes", was.since());
        }
        return true;
    }

    /** Probes only while open (the periodic check); true if work may go on. */
    public boolean probeIfOpen() {
        return !isOpen() || probe();
    }

    private static String hint(Exception e, String settings) {
        return e instanceof ProviderException p && p.isConfiguration() ? " (check " + settings + ")" : "";
    }

    /** Removes the open-circuit gauge, so that a provisioner started later in this process reports its own circuit. */
    public void close() {
        metrics.remove(gauge);
    }
}

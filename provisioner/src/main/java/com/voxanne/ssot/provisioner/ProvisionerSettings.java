package com.voxanne.ssot.provisioner;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.retry.Backoff;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The provisioner's own settings, read once at start from the {@link ConfigSource} and validated with named checks.
 *
 * @param workers          PROVISIONER_WORKERS: sagas driven at once (different organisations; one org is serial)
 * @param lease            PROVISIONER_LEASE: how long a claimed saga stays ours without renewal; a crashed
 *                         instance's sagas are taken over after it
 * @param groupId          PROVISIONER_GROUP_ID: consumer group of the request inbox
 * @param maxAge           PROVISIONER_MAX_AGE: after this age a saga stops retrying a step that keeps failing
 *                         transiently (once a read-back shows where it stands) and fails
 * @param httpTimeout      PROVISIONER_HTTP_TIMEOUT: per provider call; must be well under the lease
 * @param retry            PROVISIONER_RETRY_INITIAL / PROVISIONER_RETRY_MAX: backoff between saga retries
 * @param pollInterval     PROVISIONER_POLL_INTERVAL: how often idle workers look for sagas other instances received
 * @param stuckAfter       PROVISIONER_STUCK_AFTER: a saga PURCHASED or IMPORTED for longer counts as stuck (gauge)
 * @param instanceId       PROVISIONER_INSTANCE_ID: lease owner name of this instance (default host, pid and a random part)
 * @param twilioBaseUrl    TWILIO_BASE_URL: where the Twilio REST API is (the simulated one on the embedded default)
 * @param simulatedProviders SSOT_SIMULATED_PROVIDERS: true when Twilio and Vapi are the local fakes (said in logs and health)
 * @param purchaseVisibility PROVISIONER_PURCHASE_VISIBILITY: after an ambiguous purchase attempt, how long (from choosing
 *                         the number) a "number not available" answer is taken to mean "bought by our earlier attempt,
 *                         not visible to reads yet" and read back again, before concluding that another buyer has it
 * @param circuitProbeInterval PROVISIONER_CIRCUIT_PROBE_INTERVAL: while the provider circuit is open (credentials refused,
 *                         wrong base URL), how often a read-only call checks whether the configuration works again
 * @param twilioMaxConcurrency PROVISIONER_TWILIO_MAX_CONCURRENCY: Twilio calls in flight at once from this instance
 *                         (the account's concurrency limit, divided by the instance count when several share an account;
 *                         default {@link #DEFAULT_MAX_CONCURRENCY}); with PROVISIONER_WORKERS above it, workers queue for a
 *                         call slot instead of the provider answering 429
 * @param vapiMaxConcurrency PROVISIONER_VAPI_MAX_CONCURRENCY: Vapi calls in flight at once from this instance
 * @param dlqMaxAttempts   PROVISIONER_DLQ_MAX_ATTEMPTS: tries of a request batch whose dead letter Kafka refuses before the
 *                         inbox stops (health DOWN, nothing committed or skipped)
 */
public record ProvisionerSettings(
        int workers,
        Duration lease,
        String groupId,
        Duration maxAge,
        Duration httpTimeout,
        Backoff retry,
        Duration pollInterval,
        Duration stuckAfter,
        String instanceId,
        URI twilioBaseUrl,
        boolean simulatedProviders,
        Duration purchaseVisibility,
        Duration circuitProbeInterval,
        int twilioMaxConcurrency,
        int vapiMaxConcurrency,
        int dlqMaxAttempts) {

    public static final String DEFAULT_TWILIO_BASE_URL = "https://api.twilio.com";
    /** Provider calls in flight at once per provider, by default: Twilio's default account concurrency limit. */
    public static final int DEFAULT_MAX_CONCURRENCY = 100;
    public static final String SIMULATED_PROVIDERS = "SSOT_SIMULATED_PROVIDERS";

    public ProvisionerSettings {
        List<String> problems = new ArrayList<>();
        if (workers < 1 || workers > 256) {
            problems.add("PROVISIONER_WORKERS must be 1..256, was " + workers);
        }
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("PROVISIONER_LEASE must be >= 1s, was " + lease);
        }
        if (httpTimeout.isNegative() || httpTimeout.isZero()) {
            problems.add("PROVISIONER_HTTP_TIMEOUT must be > 0, was " + httpTimeout);
        } else if (lease.compareTo(httpTimeout.multipliedBy(2)) < 0) {
            // a call still in flight when the lease runs out could race the instance that takes the saga over
            problems.add("PROVISIONER_LEASE must be at least twice PROVISIONER_HTTP_TIMEOUT, was " + lease + " with a timeout of "
                    + httpTimeout);
        }
        if (groupId == null || groupId.isBlank()) {
            problems.add("PROVISIONER_GROUP_ID must not be blank");
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            problems.add("PROVISIONER_MAX_AGE must be > 0, was " + maxAge);
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            problems.add("PROVISIONER_POLL_INTERVAL must be > 0, was " + pollInterval);
        }
        if (stuckAfter.isNegative() || stuckAfter.isZero()) {
            problems.add("PROVISIONER_STUCK_AFTER must be > 0, was " + stuckAfter);
        }
        if (purchaseVisibility.isNegative() || purchaseVisibility.isZero()) {
            problems.add("PROVISIONER_PURCHASE_VISIBILITY must be > 0, was " + purchaseVisibility);
        }
        if (circuitProbeInterval.isNegative() || circuitProbeInterval.isZero()) {
            problems.add("PROVISIONER_CIRCUIT_PROBE_INTERVAL must be > 0, was " + circuitProbeInterval);
        }
        if (twilioMaxConcurrency < 1 || twilioMaxConcurrency > 256) {
            problems.add("PROVISIONER_TWILIO_MAX_CONCURRENCY must be 1..256, was " + twilioMaxConcurrency);
        }
        if (dlqMaxAttempts < 1) {
            problems.add("PROVISIONER_DLQ_MAX_ATTEMPTS must be >= 1, was " + dlqMaxAttempts);
        }
        if (vapiMaxConcurrency < 1 || vapiMaxConcurrency > 256) {
            problems.add("PROVISIONER_VAPI_MAX_CONCURRENCY must be 1..256, was " + vapiMaxConcurrency);
        }
        if (instanceId == null || instanceId.isBlank()) {
            problems.add("PROVISIONER_INSTANCE_ID must not be blank");
        }
        if (twilioBaseUrl == null || !List.of("http", "https").contains(String.valueOf(twilioBaseUrl.getScheme()))) {
            problems.add("TWILIO_BASE_URL must be an http(s) URL, was " + twilioBaseUrl);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
    }

    public static ProvisionerSettings from(ConfigSource source) {
        Backoff retry;
        try {
            retry = new Backoff(source.getDuration("PROVISIONER_RETRY_INITIAL", Duration.ofMillis(200)),
                    source.getDuration("PROVISIONER_RETRY_MAX", Duration.ofSeconds(30)), 2.0);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PROVISIONER_RETRY_INITIAL/PROVISIONER_RETRY_MAX: " + e.getMessage());
        }
        URI twilio;
        try {
            twilio = URI.create(source.get("TWILIO_BASE_URL", DEFAULT_TWILIO_BASE_URL));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("TWILIO_BASE_URL is not a URL: " + e.getMessage());
        }
        return new ProvisionerSettings(
                source.getInt("PROVISIONER_WORKERS", 8),
                source.getDuration("PROVISIONER_LEASE", Duration.ofSeconds(30)),
                source.get("PROVISIONER_GROUP_ID", "ssot-provisioner"),
                source.getDuration("PROVISIONER_MAX_AGE", Duration.ofMinutes(10)),
                source.getDuration("PROVISIONER_HTTP_TIMEOUT", Duration.ofSeconds(10)),
                retry,
                source.getDuration("PROVISIONER_POLL_INTERVAL", Duration.ofMillis(500)),
                source.getDuration("PROVISIONER_STUCK_AFTER", Duration.ofMinutes(5)),
                source.get("PROVISIONER_INSTANCE_ID", defaultInstanceId()),
                twilio,
                Boolean.parseBoolean(source.get(SIMULATED_PROVIDERS, "false")),
                source.getDuration("PROVISIONER_PURCHASE_VISIBILITY", Duration.ofMinutes(2)),
                source.getDuration("PROVISIONER_CIRCUIT_PROBE_INTERVAL", Duration.ofSeconds(10)),
                source.getInt("PROVISIONER_TWILIO_MAX_CONCURRENCY", DEFAULT_MAX_CONCURRENCY),
                source.getInt("PROVISIONER_VAPI_MAX_CONCURRENCY", DEFAULT_MAX_CONCURRENCY),
                source.getInt("PROVISIONER_DLQ_MAX_ATTEMPTS", 10));
    }

    /** {@code host/pid/random}: unique per process even when two instances share a host. */
    static String defaultInstanceId() {
        String runtime = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
        return "provisioner-" + runtime.replace('@', '-') + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}

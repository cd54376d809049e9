package com.voxanne.ssot.reconciler.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@link ReconcilerTopology#buildTopology} needs, validated with named checks. Built once at
 * start by the service (or by a test), immutable.
 *
 * @param managedNumbersTopic  CDC of managed_phone_numbers (key {@code orgId|E.164}, row JSON)
 * @param orgCredentialsTopic  CDC of org_credentials, co-partitioned with the above
 * @param violationsTopic      where OPEN/RESOLVED go (compacted, key {@code orgId|E.164})
 * @param grace                how long a managed number may be non-compliant before it is a violation
 * @param punctuationInterval  how often (wall-clock) due violations are checked
 * @param timelineRetention    how long a RESOLVED episode stays on the compliance timeline (open ones always stay)
 * @param stores               state store names (they name the changelog topics: keep them stable)
 * @param gate                 holds alerts while the inputs are not caught up
 * @param listener             told about emissions (metrics)
 */
public record ReconcilerTopologyConfig(
        String managedNumbersTopic,
        String orgCredentialsTopic,
        String violationsTopic,
        Duration grace,
        Duration punctuationInterval,
        Duration timelineRetention,
        StoreNames stores,
        CatchUpGate gate,
        ViolationListener listener) {

    public static final Duration MIN_PUNCTUATION_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_DEFAULT_PUNCTUATION_INTERVAL = Duration.ofMillis(200);
    public static final Duration DEFAULT_TIMELINE_RETENTION = Duration.ofDays(30);
    /** Purging the timeline is housekeeping: at most this often, and at least ten times per retention. */
    static final Duration MAX_TIMELINE_PURGE_INTERVAL = Duration.ofMinutes(1);

    /**
     * @param managedNumbers table of managed_phone_numbers rows by key (queried by /api/compliance)
     * @param orgCredentials table of org_credentials rows by key
     * @param observations   non-compliant active numbers and since when
     * @param openViolations violations published OPEN and not yet RESOLVED (queried by /api/violations)
     * @param dueIndex       what the punctuator must look at, ordered by due time
     * @param episodes       the compliance timeline: every episode, open or resolved within the retention
     *                       (queried by /api/timeline; keys: {@link EpisodeKeys})
     */
    public record StoreNames(String managedNumbers, String orgCredentials, String observations,
                             String openViolations, String dueIndex, String episodes) {
        public static final StoreNames DEFAULT = new StoreNames("reconciler-managed-numbers",
                "reconciler-org-credentials", "reconciler-observations", "reconciler-open-violations",
                "reconciler-due-index", "reconciler-episodes");

        List<String> all() {
            return List.of(managedNumbers, orgCredentials, observations, openViolations, dueIndex, episodes);
        }
    }

    public ReconcilerTopologyConfig {
        Objects.requireNonNull(stores, "stores");
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(listener, "listener");
        List<String> problems = new ArrayList<>();
        for (String[] topic : new String[][] {{"managed numbers topic", managedNumbersTopic},
                {"org credentials topic", orgCredentialsTopic}, {"violations topic", violationsTopic}}) {
            if (topic[1] == null || topic[1].isBlank()) {
                problems.add(topic[0] + " must be set");
            }
        }
        if (managedNumbersTopic != null && managedNumbersTopic.equals(orgCredentialsTopic)) {
            problems.add("managed numbers and org credentials topics must differ, both were " + managedNumbersTopic);
        }
        if (grace == null || grace.isZero() || grace.isNegative()) {
            problems.add("grace period must be > 0, was " + grace);
        }
        if (punctuationInterval == null || punctuationInterval.compareTo(MIN_PUNCTUATION_INTERVAL) < 0) {
            problems.add("punctuation interval must be >= " + MIN_PUNCTUATION_INTERVAL.toMillis() + "ms, was "
                    + punctuationInterval);
        }
        if (timelineRetention == null || timelineRetention.isZero() || timelineRetention.isNegative()) {
            problems.add("timeline retention must be > 0, was " + timelineRetention);
        }
        Set<String> names = new HashSet<>();
        for (String store : stores.all()) {
            if (store == null || store.isBlank() || !names.add(store)) {
                problems.add("store names must be set and distinct, were " + stores.all());
                break;
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid reconciler topology config: " + String.join("; ", problems));
        }
    }

    /** Defaults for everything but the topics and the grace: no gate, no listener, default stores. */
    public static ReconcilerTopologyConfig of(String managedNumbersTopic, String orgCredentialsTopic,
                                              String violationsTopic, Duration grace) {
        return new ReconcilerTopologyConfig(managedNumbersTopic, orgCredentialsTopic, violationsTopic, grace,
                defaultPunctuationInterval(grace), DEFAULT_TIMELINE_RETENTION, StoreNames.DEFAULT, CatchUpGate.ALWAYS_OPEN,
                ViolationListener.NONE);
    }

    /**
     * grace/10, at least 100 ms and at most 200 ms: the alert comes at most 10% (or 200 ms) after the grace. A
     * punctuation that finds nothing due costs one seek of the due index, so the cap is low (it was 1 s: at the default
     * grace that wait alone was most of the detection latency).
     */
    public static Duration defaultPunctuationInterval(Duration grace) {
        Duration tenth = grace.dividedBy(10);
        if (tenth.compareTo(MIN_PUNCTUATION_INTERVAL) < 0) {
            return MIN_PUNCTUATION_INTERVAL;
        }
        return tenth.compareTo(MAX_DEFAULT_PUNCTUATION_INTERVAL) > 0 ? MAX_DEFAULT_PUNCTUATION_INTERVAL : tenth;
    }

    public ReconcilerTopologyConfig withGate(CatchUpGate newGate) {
        return new ReconcilerTopologyConfig(managedNumbersTopic, orgCredentialsTopic, violationsTopic, grace,
                punctuationInterval, timelineRetention, stores, newGate, listener);
    }

    public ReconcilerTopologyConfig withListener(ViolationListener newListener) {
        return new ReconcilerTopologyConfig(managedNumbersTopic, orgCredentialsTopic, violationsTopic, grace,
                punctuationInterval, timelineRetention, stores, gate, newListener);
    }

    public ReconcilerTopologyConfig withTimelineRetention(Duration retention) {
        return new ReconcilerTopologyConfig(managedNumbersTopic, orgCredentialsTopic, violationsTopic, grace,
                punctuationInterval, retention, stores, gate, listener);
    }

    /** How often resolved episodes past the retention are purged: retention/10, between 100 ms and 1 minute. */
    public Duration timelinePurgeInterval() {
        Duration tenth = timelineRetention.dividedBy(10);
        if (tenth.compareTo(MIN_PUNCTUATION_INTERVAL) < 0) {
            return MIN_PUNCTUATION_INTERVAL;
        }
        return tenth.compareTo(MAX_TIMELINE_PURGE_INTERVAL) > 0 ? MAX_TIMELINE_PURGE_INTERVAL : tenth;
    }

    public ReconcilerTopologyConfig withPunctuationInterval(Duration interval) {
        return new ReconcilerTopologyConfig(managedNumbersTopic, orgCredentialsTopic, violationsTopic, grace,
                interval, timelineRetention, stores, gate, listener);
    }
}

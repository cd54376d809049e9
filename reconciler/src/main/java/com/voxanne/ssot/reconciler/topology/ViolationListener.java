package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.OpenViolation;
import java.time.Duration;

/**
 * Told what the topology publishes, for metrics. Called on the stream thread right after the record is
 * handed to Kafka Streams (committed with the next transaction): must be quick and must not throw.
 * Under exactly-once a transaction that aborts is retried, so a count may run ahead of the topic by the
 * aborted emissions; the topic is the truth.
 */
public interface ViolationListener {
    ViolationListener NONE = new ViolationListener() {
    };

    /**
     * @param detectionDelay time from the end of the grace period to the emission (includes any time the
     *                       alert was held while the inputs caught up)
     */
    default void opened(OpenViolation violation, Duration detectionDelay) {
    }

    default void kindChanged(OpenViolation violation) {
    }

    default void resolved(OpenViolation violation, long resolvedAt) {
    }

    /** Alerts are held (true) or published again (false); called on each change. */
    default void holding(boolean holding) {
    }
}

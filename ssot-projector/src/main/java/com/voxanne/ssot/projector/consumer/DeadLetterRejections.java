package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parks rejected records on {@code <topic>.dlq} (original bytes, reason and stage in headers), counts
 * them, and logs each once with its context.
 */
public final class DeadLetterRejections implements RejectionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterRejections.class);

    private final DeadLetters deadLetters;
    private final ProjectorMetrics metrics;
    private final Redactor redactor;

    public DeadLetterRejections(DeadLetters deadLetters, ProjectorMetrics metrics, Redactor redactor) {
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.redactor = redactor;
    }

    @Override
    public void reject(Rejection r) throws InterruptedException {
        deadLetters.park(r.record(), r.stage(), r.reason(), r.errorClass());
        metrics.deadLettered();
        log.warn("SSOT write refused a record, parked on {}: orgId={} requestId={} phone={} source={} stage={} reason={}",
                DeadLetters.topicFor(r.record().topic()), r.orgId(), r.requestId(), r.phoneNumber(), r.origin(),
                r.stage(), redactor.redact(r.reason()));
    }
}

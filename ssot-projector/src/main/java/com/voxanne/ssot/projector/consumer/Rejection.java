package com.voxanne.ssot.projector.consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record that can never become an SSOT row, with why and whatever context could be read from it
 * (any of orgId, requestId, phoneNumber may be null when the bytes did not even decode).
 *
 * @param stage      {@link #STAGE_DECODE} or {@link #STAGE_SSOT_WRITE}, as recorded in the DLQ header
 * @param errorClass the kind of error, e.g. the exception class or {@code UnknownOrganization}
 */
public record Rejection(ConsumerRecord<byte[], byte[]> record, String stage, String reason, String errorClass,
                        String orgId, String requestId, String phoneNumber) {
    /** The bytes are not a NumberProvisioned at all. */
    public static final String STAGE_DECODE = "decode";
    /** A NumberProvisioned that breaks the contract or that the database refuses. */
    public static final String STAGE_SSOT_WRITE = "SSOT_WRITE";

    /** Where the record came from, for logs: {@code topic-partition@offset}. */
    public String origin() {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}

package com.voxanne.ssot.relay.engine;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One change ready for Kafka, with what the relay needs around it: which table it came from (the
 * metrics tag), when it was committed in Postgres (for the age of the oldest unrelayed change), and a
 * short description for log lines and errors (orgId, phone, requestId or eventId; never a secret).
 *
 * @param record          the record to produce (key and value bytes exactly as they go on the wire)
 * @param table           source table: {@code outbox}, {@code managed_phone_numbers} or {@code org_credentials}
 * @param sourceTsMicros  commit time in Postgres (microseconds since the epoch), 0 when unknown
 * @param context         e.g. {@code orgId=..., phone=+1..., requestId=...}
 */
public record RelayRecord(ProducerRecord<byte[], byte[]> record, String table, long sourceTsMicros, String context) {
}

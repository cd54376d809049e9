package com.voxanne.ssot.faults.scenario;

import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes as an upstream service (or an attacker) would: requests keyed by orgId, and raw bytes with headers. Every
 * send waits for the broker's acknowledgement, so the ledger records only what the pipeline can see.
 */
public final class RecordPublisher implements AutoCloseable {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(150);

    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroSerde<ProvisionNumberRequest> requests = AvroSerde.of(ProvisionNumberRequest.class);

    public RecordPublisher(KafkaClients kafka, String clientId) {
        this.producer = new KafkaProducer<>(kafka.producer(clientId), new ByteArraySerializer(), new ByteArraySerializer());
    }

    public RecordMetadata request(String topic, ProvisionNumberRequest request) throws InterruptedException, ExecutionException, TimeoutException {
        return raw(topic, request.getOrgId().getBytes(StandardCharsets.UTF_8), requests.serialize(topic, request), Map.of());
    }

    public RecordMetadata raw(String topic, byte[] key, byte[] value, Map<String, byte[]> headers)
            throws InterruptedException, ExecutionException, TimeoutException {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, v) -> record.headers().add(name, v));
        return producer.send(record).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}

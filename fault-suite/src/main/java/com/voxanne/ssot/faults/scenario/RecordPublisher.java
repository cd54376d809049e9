package com.voxanne.ssot.faults.scenario;

import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Publishes as an upstream service (or an attacker) would: requests keyed by orgId, and raw bytes with headers. Every
 * send waits for the broker's acknowledgement, so the ledger records only what the pipeline can see. Requests
 * alternate between the deployment's wire format (Confluent, through the registry) and the old single-object encoding,
 * as a topic does while upstream producers upgrade one by one.
 */
public final class RecordPublisher implements AutoCloseable {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(150);

    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroSerde<ProvisionNumberRequest> singleObject = AvroSerde.of(ProvisionNumberRequest.class);
    private final Serializer<ProvisionNumberRequest> current;
    private final Serializer<ReleaseNumberRequest> releases;
    private final AtomicLong sent = new AtomicLong();

    /**
     * @param current  the requests topic's serializer in the deployment's wire format
     * @param releases the same topic's serializer for ReleaseNumberRequests (their own subject; releases are new, so
     *                 no producer of them ever used the old single-object encoding)
     */
    public RecordPublisher(KafkaClients kafka, String clientId, Serializer<ProvisionNumberRequest> current,
                           Serializer<ReleaseNumberRequest> releases) {
        this.producer = new KafkaProducer<>(kafka.producer(clientId), new ByteArraySerializer(), new ByteArraySerializer());
        this.current = current;
        this.releases = releases;
    }

    /** A release request, keyed by its orgId like the provisioning requests (so one org's requests keep their order). */
    public RecordMetadata release(String topic, ReleaseNumberRequest request)
            throws InterruptedException, ExecutionException, TimeoutException {
        return raw(topic, request.getOrgId().getBytes(StandardCharsets.UTF_8), releases.serialize(topic, request), Map.of());
    }

    public RecordMetadata request(String topic, ProvisionNumberRequest request) throws InterruptedException, ExecutionException, TimeoutException {
        Serializer<ProvisionNumberRequest> format = sent.getAndIncrement() % 2 == 0 ? current : singleObject;
        return raw(topic, request.getOrgId().getBytes(StandardCharsets.UTF_8), format.serialize(topic, request), Map.of());
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

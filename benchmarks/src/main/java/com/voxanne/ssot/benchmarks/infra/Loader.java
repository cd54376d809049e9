package com.voxanne.ssot.benchmarks.infra;

import com.voxanne.ssot.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Loads a bench's input topics (not timed) and proves they hold exactly what was sent. A freshly created topic's
 * partitions may answer NOT_LEADER_OR_FOLLOWER for a moment after they are described with a leader; an idempotent
 * producer can then fall out of sequence and expire batches, so the loader is not idempotent (a rejected write is
 * simply retried; the bench's records are unique per key, so order across retries does not matter) and every send
 * is checked.
 */
public final class Loader<K, V> implements AutoCloseable {
    private final KafkaProducer<K, V> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong sent = new AtomicLong();

    public Loader(KafkaClients kafka, String clientId, Serializer<K> keys, Serializer<V> values) {
        Map<String, Object> props = kafka.producer(clientId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        this.producer = new KafkaProducer<>(props, keys, values);
    }

    public void send(String topic, K key, V value) {
        sent.incrementAndGet();
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    /**
     * Flushes, then checks that no send failed and that {@code topics} hold {@code expected} records in total.
     *
     * @throws IllegalStateException when a send failed or records are missing
     */
    public void finish(BenchStack stack, List<String> topics, long expected) throws Exception {
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("loading " + topics + " failed: " + failure.get().getMessage(), failure.get());
        }
        Map<String, TopicDescription> described = stack.admin().describeTopics(topics).allTopicNames().get();
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        described.values().forEach(d -> d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()),
                OffsetSpec.latest())));
        long total = 0;
        for (ListOffsetsResult.ListOffsetsResultInfo info : stack.admin().listOffsets(latest).all().get().values()) {
            total += info.offset();
        }
        if (total != expected) {
            throw new IllegalStateException(topics + " hold " + total + " records after loading " + sent.get() + "; expected "
                    + expected);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}

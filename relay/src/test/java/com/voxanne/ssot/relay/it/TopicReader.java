package com.voxanne.ssot.relay.it;

import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.testkit.TestStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads one topic from the beginning, all partitions, and keeps everything read (arrival order). */
final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    private final String topic;

    TopicReader(TestStack stack, String topic) {
        this.topic = topic;
        Properties p = stack.consumerProps("relay-test-reader");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls once (up to {@code max}) and returns what arrived in this poll. */
    List<ConsumerRecord<byte[], byte[]>> pollOnce(Duration max) {
        List<ConsumerRecord<byte[], byte[]>> now = new ArrayList<>();
        consumer.poll(max).forEach(now::add);
        records.addAll(now);
        return now;
    }

    /** Polls until at least {@code count} records were read in all; returns all of them. */
    List<ConsumerRecord<byte[], byte[]>> awaitAtLeast(int count, Duration timeout) {
        await("at least " + count + " records on " + topic).atMost(timeout).pollInSameThread()
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    pollOnce(Duration.ofMillis(50));
                    return records.size() >= count;
                });
        return List.copyOf(records);
    }

    /** Polls until a record matching {@code condition} has been read; returns all read so far. */
    List<ConsumerRecord<byte[], byte[]>> awaitRecord(Predicate<ConsumerRecord<byte[], byte[]>> condition, Duration timeout) {
        await("a matching record on " + topic).atMost(timeout).pollInSameThread()
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    pollOnce(Duration.ofMillis(50));
                    return records.stream().anyMatch(condition);
                });
        return List.copyOf(records);
    }

    List<ConsumerRecord<byte[], byte[]>> all() {
        return List.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}

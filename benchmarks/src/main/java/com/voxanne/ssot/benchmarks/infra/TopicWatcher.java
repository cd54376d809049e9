package com.voxanne.ssot.benchmarks.infra;

import com.voxanne.ssot.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a topic from its current end on its own thread (no consumer group, read_committed) and hands every record
 * to a handler with the moment it arrived: how the bench sees "the record is on the topic" or "the row is committed"
 * (through the relay's change stream) without touching the services under test.
 */
public final class TopicWatcher<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicWatcher.class);

    /** Called on the watcher's thread. */
    @FunctionalInterface
    public interface Handler<K, V> {
        void arrived(ConsumerRecord<K, V> record, long arrivedNanos, long arrivedMillis);
    }

    private final KafkaConsumer<K, V> consumer;
    private final String topic;
    private final Handler<K, V> handler;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    private TopicWatcher(KafkaConsumer<K, V> consumer, String topic, Handler<K, V> handler) {
        this.consumer = consumer;
        this.topic = topic;
        this.handler = handler;
        this.thread = new Thread(this::loop, "bench-watch-" + topic);
        this.thread.setDaemon(true);
    }

    /** Positions at the end of every partition of {@code topic}, then starts watching. */
    public static <K, V> TopicWatcher<K, V> start(KafkaClients kafka, String topic, Deserializer<K> keys, Deserializer<V> values,
                                                  Handler<K, V> handler) {
        Map<String, Object> props = kafka.consumer("unused", "bench-watch-" + topic);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, keys, values);
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        TopicWatcher<K, V> watcher = new TopicWatcher<>(consumer, topic, handler);
        watcher.thread.start();
        return watcher;
    }

    private void loop() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                long nanos = System.nanoTime();
                long millis = System.currentTimeMillis();
                for (ConsumerRecord<K, V> r : records) {
                    handler.arrived(r, nanos, millis);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure.set(e);
            }
        } catch (RuntimeException | Error e) {
            failure.set(e);
            log.error("Watcher of {} stopped: the figures that depend on it will be missing", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** What stopped the watcher, if it stopped by itself. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}

package com.voxanne.ssot.platform.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka clients with their metrics on the process's registry, through Micrometer's maintained binder
 * ({@link KafkaClientMetrics}: every client metric as {@code kafka_<group>_<name>} with the client's own tags,
 * {@code client_id}, {@code topic}, {@code partition}, ...). The binder is bound when the client is made and closed with
 * it: its meters leave the registry and its refresh thread stops when the client closes.
 *
 * <p>A consumer with a {@code group.id} also adds to {@link ConsumerLag} for its group.
 */
public final class KafkaClientMeters {
    private static final Logger log = LoggerFactory.getLogger(KafkaClientMeters.class);

    private KafkaClientMeters() {
    }

    /** A producer whose metrics are on {@code registry} until it is closed. */
    public static <K, V> KafkaProducer<K, V> producer(MeterRegistry registry, Map<String, Object> props, Serializer<K> keys,
                                                      Serializer<V> values) {
        return new MeteredProducer<>(registry, props, keys, values);
    }

    /** A consumer whose metrics (and, with a group, its lag) are on {@code registry} until it is closed. */
    public static <K, V> KafkaConsumer<K, V> consumer(MeterRegistry registry, Map<String, Object> props,
                                                      Deserializer<K> keys, Deserializer<V> values) {
        return new MeteredConsumer<>(registry, props, keys, values);
    }

    /**
     * Binds an admin client's metrics; close the handle with the client (register it right after the client in a
     * {@code Closer}, so it closes first). An admin client has no subclass to close it for us.
     */
    public static AutoCloseable bind(MeterRegistry registry, AdminClient admin) {
        KafkaClientMetrics binder = new KafkaClientMetrics(admin);
        binder.bindTo(registry);
        return binder;
    }

    /** What a metered client closes with itself, once. */
    private static final class Meters {
        private final List<AutoCloseable> parts = new ArrayList<>();
        private final AtomicBoolean closed = new AtomicBoolean();

        void add(AutoCloseable part) {
            parts.add(part);
        }

        void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            for (int i = parts.size() - 1; i >= 0; i--) {
                try {
                    parts.get(i).close();
                } catch (Exception e) {
                    // removing meters never fails in a way the client's close should report; keep closing the client
                    log.warn("Could not unbind Kafka client meters", e);
                }
            }
        }
    }

    private static final class MeteredProducer<K, V> extends KafkaProducer<K, V> {
        private final Meters meters = new Meters();

        MeteredProducer(MeterRegistry registry, Map<String, Object> props, Serializer<K> keys, Serializer<V> values) {
            super(props, keys, values);
            KafkaClientMetrics binder = new KafkaClientMetrics(this);
            binder.bindTo(registry);
            meters.add(binder);
        }

        @Override
        public void close() {
            meters.close();
            super.close();
        }

        @Override
        public void close(Duration timeout) {
            meters.close();
            super.close(timeout);
        }
    }

    private static final class MeteredConsumer<K, V> extends KafkaConsumer<K, V> {
        private final Meters meters = new Meters();

        MeteredConsumer(MeterRegistry registry, Map<String, Object> props, Deserializer<K> keys, Deserializer<V> values) {
            super(props, keys, values);
            KafkaClientMetrics binder = new KafkaClientMetrics(this);
            binder.bindTo(registry);
            meters.add(binder);
            Object group = props.get(ConsumerConfig.GROUP_ID_CONFIG);
            if (group != null && !group.toString().isBlank()) {
                meters.add(ConsumerLag.track(registry, group.toString(), this::metrics, clientId -> true));
            }
        }

        @Override
        public void close() {
            meters.close();
            super.close();
        }

        @Override
        public void close(Duration timeout) {
            meters.close();
            super.close(timeout);
        }

        @Override
        public void close(CloseOptions options) {
            meters.close();
            super.close(options);
        }
    }
}

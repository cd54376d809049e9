package com.voxanne.ssot.platform.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Kafka client settings shared by every service: the bootstrap servers and any KAFKA_* client
 * property from the environment (security, SASL, ...), with safe defaults for what this pipeline needs.
 */
public final class KafkaClients {
    private final String bootstrapServers;
    private final Map<String, String> clientProperties;

    public KafkaClients(String bootstrapServers, Map<String, String> clientProperties) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("KAFKA_BOOTSTRAP_SERVERS must be set");
        }
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Bootstrap servers plus the user's client properties (which win over nothing but defaults). */
    public Map<String, Object> common() {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** Durable producer: idempotent, acks=all, retries until delivery.timeout. */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        props.putAll(common());
        // after the user's properties: the guarantees are not theirs to change (SsotConfig refuses such overrides)
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /** Consumer that commits by hand, only after its work is committed, and reads only committed data. */
    public Map<String, Object> consumer(String groupId, String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        props.putAll(common());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }
}

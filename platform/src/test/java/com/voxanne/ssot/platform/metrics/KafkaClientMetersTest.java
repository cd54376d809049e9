package com.voxanne.ssot.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The binders live as long as their clients; no broker is needed for a client to have metrics. */
class KafkaClientMetersTest {
    private final PrometheusMeterRegistry registry = Metrics.newRegistry();

    @Test
    void shouldShowAProducersMetricsUntilItIsClosed() throws Exception {
        Map<String, Object> props = props();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "meters-test-producer");

        KafkaProducer<byte[], byte[]> producer = KafkaClientMeters.producer(registry, props, new ByteArraySerializer(),
                new ByteArraySerializer());

        assertThat(registry.scrape()).contains("kafka_producer_").contains("client_id=\"meters-test-producer\"");
        producer.close(Duration.ZERO);
        assertThat(registry.scrape()).doesNotContain("client_id=\"meters-test-producer\"");
    }

    @Test
    void shouldShowAConsumersMetricsAndItsGroupsLagUntilItIsClosed() throws Exception {
        Map<String, Object> props = props();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "meters-test-consumer");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "meters-test-group");

        KafkaConsumer<byte[], byte[]> consumer = KafkaClientMeters.consumer(registry, props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());

        assertThat(registry.scrape()).contains("kafka_consumer_").contains("client_id=\"meters-test-consumer\"");
        assertThat(registry.find(ConsumerLag.NAME).tag(ConsumerLag.TAG_GROUP, "meters-test-group").gauge())
                .as("the group's lag gauge (NaN before any fetch)").isNotNull();
        consumer.close(Duration.ZERO);
        assertThat(registry.scrape()).doesNotContain("client_id=\"meters-test-consumer\"");
        assertThat(registry.find(ConsumerLag.NAME).tag(ConsumerLag.TAG_GROUP, "meters-test-group").gauge()).isNull();
    }

    @Test
    void shouldShowAnAdminClientsMetricsUntilItsHandleIsClosed() throws Exception {
        Map<String, Object> props = props();
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "meters-test-admin");
        try (AdminClient admin = AdminClient.create(props)) {
            AutoCloseable meters = KafkaClientMeters.bind(registry, admin);

            assertThat(registry.scrape()).contains("kafka_admin_client_").contains("client_id=\"meters-test-admin\"");
            meters.close();
            assertThat(registry.scrape()).doesNotContain("client_id=\"meters-test-admin\"");
        }
    }

    @Test
    void shouldSumTheRecordsLagOfTheGroupsConsumersOverTheirPartitions() {
        Map<MetricName, Metric> metrics = new LinkedHashMap<>();
        put(metrics, "records-lag", "a-StreamThread-1-consumer", "0", 5);
        put(metrics, "records-lag", "a-StreamThread-1-consumer", "1", 7);
        put(metrics, "records-lag", "a-StreamThread-1-restore-consumer", "0", 100);
        put(metrics, "records-lag-max", "a-StreamThread-1-consumer", "0", 1000);
        put(metrics, "records-lag", "a-StreamThread-2-consumer", "2", Double.NaN);

        double lag = ConsumerLag.lagOf(metrics, id -> id.endsWith("-consumer") && !id.endsWith("-restore-consumer"));

        assertThat(lag).isEqualTo(12.0);
        assertThat(ConsumerLag.lagOf(Map.of(), id -> true)).as("nothing fetched yet").isNaN();
    }

    private static void put(Map<MetricName, Metric> metrics, String name, String clientId, String partition, double value) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("client-id", clientId);
        tags.put("topic", "t");
        tags.put("partition", partition);
        MetricName metricName = new MetricName(name, "consumer-fetch-manager-metrics", "", tags);
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }

    /** A bootstrap address nothing listens on: the clients exist (with their metrics) without ever connecting. */
    private static Map<String, Object> props() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        return props;
    }
}

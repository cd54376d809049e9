package com.voxanne.ssot.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three broker JVMs: replicated topics, a kill -9 of a partition leader loses no acknowledged write, the node rejoins. */
class EmbeddedKafkaClusterTest {
    private static final String TOPIC = "cluster.test";

    @TempDir
    Path dataDir;

    @Test
    void aKilledLeaderLosesNoAcknowledgedWriteAndRejoinsAfterTheRestartDelay() throws Exception {
        List<Long> pids = new ArrayList<>();
        List<Integer> restarted = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.builder(dataDir).restartDelay(Duration.ofSeconds(3)).build()) {
            cluster.onRestart(b -> restarted.add(b.id()));
            cluster.start();
            // then three nodes, each its own process, all listed in the bootstrap servers
            assertThat(cluster.brokers()).hasSize(3).allSatisfy(b -> assertThat(b.running()).isTrue());
            cluster.brokers().forEach(b -> pids.add(b.pid().getAsLong()));
            assertThat(pids).doesNotHaveDuplicates().doesNotContain(ProcessHandle.current().pid());
            assertThat(cluster.bootstrapServers().split(",")).hasSize(3);

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
                // a topic created without a replication factor gets three replicas and min.insync.replicas=2
                admin.createTopics(List.of(new NewTopic(TOPIC, java.util.Optional.of(3), java.util.Optional.empty())))
                        .all().get(30, TimeUnit.SECONDS);
                TopicDescription created = describe(admin, TOPIC);
                assertThat(created.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
                String minIsr = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, TOPIC))).all().get(30, TimeUnit.SECONDS)
                        .values().iterator().next().get("min.insync.replicas").value();
                assertThat(minIsr).isEqualTo("2");

                try (KafkaProducer<String, String> producer = producer(cluster)) {
                    for (int i = 0; i < 50; i++) {
                        producer.send(new ProducerRecord<>(TOPIC, "k" + i, "before-" + i)).get(30, TimeUnit.SECONDS);
                    }
                    // when the leader of partition 0 dies without a controlled shutdown
                    int leader = created.partitions().get(0).leader().id();
                    long killedPid = cluster.brokers().get(leader - 1).pid().getAsLong();
                    cluster.kill(leader);
                    assertThat(ProcessHandle.of(killedPid).map(LocalProcesses::isRunning).orElse(false)).isFalse();
                    // then writes with acks=all go on on the two left (min.insync.replicas=2)
                    for (int i = 0; i < 50; i++) {
                        producer.send(new ProducerRecord<>(TOPIC, "k" + i, "after-" + i)).get(60, TimeUnit.SECONDS);
                    }
                    // and the supervisor restarts the node, which rejoins with all its replicas back in sync
                    cluster.awaitRunning(leader, Duration.ofSeconds(120));
                    assertThat(cluster.brokers().get(leader - 1).pid().getAsLong()).isNotEqualTo(killedPid);
                    assertThat(restarted).containsExactly(leader);
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                            assertThat(describe(admin, TOPIC).partitions()).allSatisfy(p -> assertThat(p.isr()).hasSize(3)));
                }
                // every acknowledged record is there, and the offsets topic a consumer group uses is replicated too
                assertThat(consumeAll(cluster)).hasSize(100);
                assertThat(describe(admin, "__consumer_offsets").partitions())
                        .allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            }
        }
        // then close stopped every node: no process left behind
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(LocalProcesses::isRunning).orElse(false)).as("pid %d", pid).isFalse();
        }
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaCluster cluster) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000),
                new StringSerializer(), new StringSerializer());
    }

    private static List<String> consumeAll(EmbeddedKafkaCluster cluster) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "cluster-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (values.size() < 100 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
            consumer.commitSync();
        }
        return values;
    }
}

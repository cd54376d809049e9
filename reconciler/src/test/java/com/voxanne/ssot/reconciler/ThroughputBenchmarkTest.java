package com.voxanne.ssot.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.reconciler.catchup.InputLag;
import com.voxanne.ssot.reconciler.testing.Cdc.Credentials;
import com.voxanne.ssot.reconciler.testing.Cdc.Managed;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopology;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopologyConfig;
import com.voxanne.ssot.testkit.TestStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throughput of the reconciler topology against a bare KTable-KTable left join of the same CDC topics,
 * with the same Streams settings (exactly-once v2). Opt-in (it takes a while):
 * {@code mvn -o -pl reconciler test -Dtest=ThroughputBenchmarkTest -Dreconciler.bench=true}.
 */
@EnabledIfSystemProperty(named = "reconciler.bench", matches = "true")
class ThroughputBenchmarkTest {
    private static final Logger log = LoggerFactory.getLogger(ThroughputBenchmarkTest.class);
    private static final int NUMBERS = Integer.getInteger("reconciler.bench.numbers", 100_000);

    @TempDir
    Path stateDir;

    @Test
    void shouldProcessAtLeastSeventyPercentOfBareJoinThroughput() throws Exception {
        TestStack stack = TestStack.get();
        String managed = stack.uniqueTopic("bench.cdc.managed");
        String credentials = stack.uniqueTopic("bench.cdc.credentials");
        stack.createTopic(managed, 3, Map.of());
        stack.createTopic(credentials, 3, Map.of());
        Properties producerProps = stack.producerProps();
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            String org = UUID.randomUUID().toString();
            for (int i = 0; i < NUMBERS; i++) {
                Managed m = new Managed(UUID.randomUUID().toString(), org, "+1415" + String.format("%07d", i), "vapi-" + i);
                producer.send(new ProducerRecord<>(managed, m.key(), m.created()));
                if (i % 10 != 0) { // 10% without SSOT row
                    producer.send(new ProducerRecord<>(credentials, m.key(), Credentials.of(m, i).created()));
                }
            }
            producer.flush();
        }

        // warm-up run of each, then the measured runs
        run("bare-warmup", bare(managed, credentials, output(stack)), stack, managed, credentials);
        run("reconciler-warmup", reconciler(managed, credentials, output(stack)), stack, managed, credentials);
        double bare = run("bare", bare(managed, credentials, output(stack)), stack, managed, credentials);
        double ours = run("reconciler", reconciler(managed, credentials, output(stack)), stack, managed, credentials);

        log.info("THROUGHPUT bare KTable-KTable leftJoin: {} records/s; reconciler: {} records/s; ratio {}",
                Math.round(bare), Math.round(ours), String.format("%.2f", ours / bare));
        assertThat(ours / bare).isGreaterThanOrEqualTo(0.7);
    }

    private static String output(TestStack stack) {
        String name = stack.uniqueTopic("bench.out");
        stack.createTopic(name, 3, Map.of());
        return name;
    }

    private static Topology bare(String managed, String credentials, String out) {
        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, String> m = builder.table(managed, Consumed.with(Serdes.String(), Serdes.String()));
        KTable<String, String> c = builder.table(credentials, Consumed.with(Serdes.String(), Serdes.String()));
        m.leftJoin(c, (a, b) -> b == null ? a : a.length() + "|" + b.length()).toStream()
                .to(out, Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    private static Topology reconciler(String managed, String credentials, String violations) {
        return ReconcilerTopology.buildTopology(ReconcilerTopologyConfig.of(managed, credentials, violations,
                Duration.ofSeconds(30)));
    }

    private double run(String name, Topology topology, TestStack stack, String managed, String credentials) throws Exception {
        String appId = TestStack.get().uniqueTopic("bench-" + name);
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(appId).toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        InputLag lag = new InputLag(stack.admin(), appId, List.of(managed, credentials), Duration.ofSeconds(10));
        long total = 2L * NUMBERS - NUMBERS / 10;
        long t0 = System.nanoTime();
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.start();
            await().atMost(Duration.ofMinutes(3))
                    .failFast(() -> streams.state() == KafkaStreams.State.ERROR).pollInterval(Duration.ofMillis(100)).until(() -> lag.measure() == 0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double rate = total / seconds;
            log.info("{}: {} input records in {} s = {} records/s", name, total, String.format("%.2f", seconds), Math.round(rate));
            streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            return rate;
        }
    }
}

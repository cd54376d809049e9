package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** What the tests of the packaged {@code ./ssot up} share: start and stop it as a user does, read its database and violations. */
final class PackagedUp {

    private PackagedUp() {
    }

    static PackagedSsot.Running startUp(PackagedSsot ssot, Duration timeout) throws Exception {
        return startUp(ssot, timeout, "up");
    }

    /** Starts {@code up} with these arguments and waits until it printed STATUS_URL (it is healthy then). */
    static PackagedSsot.Running startUp(PackagedSsot ssot, Duration timeout, String... upArgs) throws Exception {
        long started = System.nanoTime();
        PackagedSsot.Running up = ssot.start(upArgs);
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .until(() -> up.printed("STATUS_URL").isPresent() || !up.process.isAlive());
            assertThat(up.printed("STATUS_URL")).as("up printed STATUS_URL: " + up.describe()).isPresent();
            assertThat(up.lines()).as(up.describe()).noneMatch(l -> l.startsWith("Not every component is healthy"));
        } catch (Throwable e) {
            up.process.destroyForcibly();
            throw e;
        }
        System.out.printf("ssot up healthy after %.1f s%n", (System.nanoTime() - started) / 1e9);
        return up;
    }

    /** Ctrl-C: exit 0 within 30 s, and no process (PostgreSQL, the jar, the registry) left on the work directory. */
    static void stop(PackagedSsot ssot, PackagedSsot.Running up) throws Exception {
        stop(ssot, up, Duration.ofSeconds(30));
    }

    /** Ctrl-C: exit 0 within {@code within}, and no process (PostgreSQL, the jar, the registry, brokers) left on the work directory. */
    static void stop(PackagedSsot ssot, PackagedSsot.Running up, Duration within) throws Exception {
        List<ProcessHandle> stack = ssot.processesLeft();
        assertThat(stack).as("up runs PostgreSQL on its data directory").hasSizeGreaterThan(1);
        up.interrupt();
        boolean exited = up.process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            up.process.destroyForcibly();
        }
        assertThat(exited).as("up exits within " + within + " of SIGINT: " + up.describe()).isTrue();
        assertThat(up.process.exitValue()).as("exit code after Ctrl-C: " + up.describe()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> ssot.processesLeft().isEmpty());
        assertThat(Files.exists(ssot.dataDir().resolve("stack.properties"))).as("discovery file removed").isFalse();
    }

    static Connection connect(String jdbcUrl) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        return DriverManager.getConnection(jdbcUrl, props);
    }

    static long count(String jdbcUrl, String sql) throws Exception {
        try (Connection c = connect(jdbcUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void execute(String jdbcUrl, String sql) throws Exception {
        try (Connection c = connect(jdbcUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Every committed record of the violation topic, as key + state + detectedAt, in partition order. */
    static List<String> violationRecords(String bootstrap) {
        Topic<String, SsotViolation> topic = Topics.defaults().violations();
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<String> records = new ArrayList<>();
        // the values are Confluent-framed (00 + id) by the reconciler of this build, whose writer schema is the current one:
        // the body decodes with it, whichever registry port this restart of `up` has
        org.apache.kafka.common.serialization.Deserializer<SsotViolation> values = (t, bytes) -> {
            if (bytes == null || bytes[0] != 0) {
                return topic.valueSerde().deserializer().deserialize(t, bytes);
            }
            try {
                return new org.apache.avro.specific.SpecificDatumReader<>(SsotViolation.class).read(null,
                        org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try (KafkaConsumer<String, SsotViolation> consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(),
                values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic.name() + " to its end " + end);
                }
                for (ConsumerRecord<String, SsotViolation> r : consumer.poll(Duration.ofMillis(200))) {
                    SsotViolation v = r.value();
                    records.add(r.key() + " " + (v == null ? "tombstone" : v.getState() + " " + v.getDetectedAt()));
                }
            }
        }
        return records;
    }

    static List<ViolationState> states(String bootstrap, String key) {
        return violationRecords(bootstrap).stream().filter(r -> r.startsWith(key + " "))
                .map(r -> ViolationState.valueOf(r.split(" ")[1])).toList();
    }
}

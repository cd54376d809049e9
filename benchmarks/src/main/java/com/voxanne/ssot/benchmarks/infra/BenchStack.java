package com.voxanne.ssot.benchmarks.infra;

import com.voxanne.ssot.embedded.EmbeddedStack;
import com.voxanne.ssot.platform.db.Migrations;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bench's own embedded stack: a real Kafka KRaft broker (in this JVM) and a real PostgreSQL (fsync and
 * synchronous_commit on), in a temporary directory, started fresh for every {@code ./ssot bench}. Each stage gets
 * its own database and topics so stages never see each other's data. Closing stops both.
 */
public final class BenchStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BenchStack.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ADMIN_CLOSE = Duration.ofSeconds(10);
    private static final Duration CLUSTER_STARTUP = Duration.ofMinutes(4);

    private final EmbeddedStack stack;
    private final KafkaClients kafka;
    private final Admin admin;
    private final Closer closer = new Closer("bench stack");

    private BenchStack(EmbeddedStack stack) {
        this.stack = closer.register("stop the embedded stack", stack);
        this.kafka = new KafkaClients(stack.bootstrapServers(), Map.of());
        Admin created = Admin.create(kafka.common());
        closer.onClose("close the Kafka admin client", () -> created.close(ADMIN_CLOSE));
        this.admin = created;
    }

    public static BenchStack start(Path dir) {
        return start(dir, 1);
    }

    /**
     * With {@code brokers} > 1, a KRaft cluster of that many broker JVMs (every node a voter): topics created without a
     * replication factor, and the internal ones (offsets, transactions, Streams changelogs), get one replica per broker
     * and min.insync.replicas one less.
     */
    public static BenchStack start(Path dir, int brokers) {
        EmbeddedStack.Builder builder = EmbeddedStack.builder(dir).fresh(true).kafkaPartitions(6).kafkaBrokers(brokers);
        if (brokers > 1) {
            // three broker JVMs and the registry starting at once on a loaded small machine can take minutes
            builder.startupTimeout(CLUSTER_STARTUP);
        }
        EmbeddedStack stack = builder.start();
        try {
            return new BenchStack(stack);
        } catch (RuntimeException e) {
            throw Closer.closeAfter(e, stack);
        }
    }

    public String bootstrapServers() {
        return stack.bootstrapServers();
    }

    /** The stack's schema registry (Confluent-compatible API base). */
    public String schemaRegistryUrl() {
        return stack.schemaRegistryUrl();
    }

    public KafkaClients kafka() {
        return kafka;
    }

    public Admin admin() {
        return admin;
    }

    public Path dataDir() {
        return stack.dataDir();
    }

    /** Creates and migrates database {@code name}. */
    public BenchDatabase newDatabase(String name, int poolSize) {
        stack.postgres().createDatabase(name);
        DatabaseSettings settings = new DatabaseSettings(stack.jdbcUrl(name), stack.postgres().user(), Optional.empty());
        // Flyway needs two connections at once
        BenchDatabase db = new BenchDatabase(name, settings, settings.pool("bench-" + name, Math.max(2, poolSize)));
        closer.register("close the pool of " + name, db);
        Migrations.apply(db.pool());
        return db;
    }

    /** The settings a service needs to reach this stack and {@code db} (as environment names). */
    public Map<String, String> environment(BenchDatabase db, Path dataDir) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
        env.put("DATABASE_URL", db.jdbcUrl());
        env.put("SCHEMA_REGISTRY_URL", schemaRegistryUrl());
        env.put("DATABASE_USER", db.user());
        env.put("SSOT_DATA_DIR", dataDir.toString());
        env.put("SSOT_HTTP_PORT", "0");
        if (stack.kafkaBrokers() > 1) {
            env.put("SSOT_TOPIC_REPLICATION_FACTOR", Integer.toString(stack.kafkaBrokers()));
        }
        return env;
    }

    /** Creates topics that do not exist yet. */
    public void createTopics(Collection<NewTopic> topics) throws InterruptedException {
        try {
            admin.createTopics(topics).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create bench topics " + topics + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not create bench topics within " + ADMIN_TIMEOUT, e);
        }
        awaitLeaders(topics.stream().map(NewTopic::name).toList());
    }

    /**
     * Waits until every partition of {@code topics} has a leader: a producer that writes right after creation can
     * otherwise meet NOT_LEADER_OR_FOLLOWER and, idempotent, fall out of sequence.
     */
    public void awaitLeaders(Collection<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                boolean ready = described.size() == topics.size() && described.values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                log.debug("Topics {} not described yet", topics, e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("bench topics " + topics + " have no leader after " + ADMIN_TIMEOUT);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Deletes every topic whose name starts with {@code prefix} (Streams changelogs of a finished measurement). */
    public void deleteTopicsStartingWith(String prefix) throws InterruptedException {
        try {
            Set<String> names = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<String> doomed = names.stream().filter(n -> n.startsWith(prefix)).toList();
            if (!doomed.isEmpty()) {
                admin.deleteTopics(doomed).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            // the measurement is done; a leftover topic only costs disk in a directory deleted at the end
            log.warn("Could not delete bench topics starting with {}; they stay until the bench stack is removed", prefix, e);
        }
    }

    /** Versions and durability settings, for the report. */
    public List<String> describe(BenchDatabase db) throws SQLException {
        List<String> out = new ArrayList<>();
        out.add("Kafka " + AppInfoParser.getVersion() + (stack.kafkaBrokers() == 1 ? ", single KRaft broker in the bench JVM ("
                : ", KRaft cluster of " + stack.kafkaBrokers() + " broker JVMs (") + bootstrapServers() + ")");
        out.add(db.queryString("SELECT version()").orElse("PostgreSQL (version unknown)").replaceFirst(" on .*", "")
                + ", fsync=" + db.queryString("SHOW fsync").orElse("?")
                + ", synchronous_commit=" + db.queryString("SHOW synchronous_commit").orElse("?")
                + ", shared_buffers=" + db.queryString("SHOW shared_buffers").orElse("?")
                + ", wal_level=" + db.queryString("SHOW wal_level").orElse("?"));
        return out;
    }

    @Override
    public void close() {
        closer.close();
    }

    /** The publication the migrations create (the relay reads it). */
    public static String publication() {
        return Migrations.DEFAULT_PUBLICATION;
    }
}

package com.voxanne.ssot.testkit;

import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.db.Database;
import com.voxanne.ssot.platform.db.Migrations;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka broker, PostgreSQL server and schema registry shared by all tests of one JVM. {@link #get()} starts them on
 * first use; a JVM shutdown hook stops Kafka, drops every replication slot of the test databases (and the databases) and
 * stops PostgreSQL and the registry, so that tests leave no process, port or slot behind.
 *
 * <p>Modes, in order of precedence:
 * <ul>
 *   <li>system property {@code ssot.testkit.mode} = {@code embedded} | {@code external} | {@code testcontainers}
 *       (the parent's Maven profile {@code testcontainers} sets the last; it needs a Docker engine);</li>
 *   <li>{@code external} if {@code SSOT_TEST_KAFKA_BOOTSTRAP_SERVERS} and {@code SSOT_TEST_DATABASE_URL} are set
 *       ({@code SSOT_TEST_DATABASE_USER}/{@code _PASSWORD} optional; any other {@code SSOT_TEST_KAFKA_<PROPERTY>} is passed
 *       to the Kafka clients, e.g. {@code SSOT_TEST_KAFKA_SECURITY_PROTOCOL}); it also needs
 *       {@code SSOT_TEST_SCHEMA_REGISTRY_URL} (a Confluent-compatible registry's base URL);</li>
 *   <li>{@code embedded} otherwise (the default): a real broker in this JVM, a real PostgreSQL and a real schema registry
 *       (Apicurio) as child processes, data under {@code target/ssot-testkit/} (deleted at exit unless
 *       {@code -Dssot.testkit.keepData=true}).</li>
 * </ul>
 *
 * <p>The embedded broker logs thousands of INFO lines: send the loggers in
 * {@link com.voxanne.ssot.embedded.EmbeddedStack#NOISY_LOGGERS} to a file in your logback-test.xml.
 */
public final class TestStack {
    /** System property choosing the mode. */
    public static final String MODE_PROPERTY = "ssot.testkit.mode";
    /** The publication the migrations create (and the relay reads). */
    public static final String PUBLICATION = Migrations.DEFAULT_PUBLICATION;

    private static final Logger log = LoggerFactory.getLogger(TestStack.class);
    private static final String KAFKA_ENV_PREFIX = "SSOT_TEST_KAFKA_";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final int POOL_SIZE = 8;
    private static final Object LOCK = new Object();
    private static volatile TestStack instance;

    /** Where Kafka and PostgreSQL come from. */
    public enum Mode { EMBEDDED, EXTERNAL, TESTCONTAINERS }

    private final StackBackend backend;
    private final PostgresAdmin postgres;
    private final Map<String, String> extraClientProps;
    private final String runId;
    private final AtomicInteger sequence = new AtomicInteger();
    private final Set<TestDatabase> openDatabases = ConcurrentHashMap.newKeySet();
    private final Admin sharedAdmin;
    private final Admin adminView;
    private String migratedTemplate;

    private TestStack(StackBackend backend, Map<String, String> extraClientProps, String runId) {
        this.backend = backend;
        this.postgres = new PostgresAdmin(backend);
        this.extraClientProps = Map.copyOf(extraClientProps);
        this.runId = runId;
        Map<String, Object> adminConf = new HashMap<>(baseClientProps());
        adminConf.put(AdminClientConfig.CLIENT_ID_CONFIG, "ssot-testkit-admin-" + runId);
        adminConf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        this.sharedAdmin = Admin.create(adminConf);
        this.adminView = unclosable(sharedAdmin);
    }

    /** The stack of this JVM, started on first call (a few seconds in embedded mode). */
    public static TestStack get() {
        TestStack stack = instance;
        if (stack != null) {
            return stack;
        }
        synchronized (LOCK) {
            if (instance == null) {
                instance = start();
            }
            return instance;
        }
    }

    private static TestStack start() {
        long t0 = System.nanoTime();
        String runId = randomId();
        Map<String, String> env = System.getenv();
        Mode mode = chooseMode(System.getProperty(MODE_PROPERTY), env);
        StackBackend backend = switch (mode) {
            case EMBEDDED -> EmbeddedBackend.start(runId);
            case EXTERNAL -> ExternalBackend.fromEnvironment(env);
            case TESTCONTAINERS -> ContainersBackend.start();
        };
        TestStack stack;
        try {
            stack = new TestStack(backend, mode == Mode.EXTERNAL ? kafkaPropsFromEnv(env) : Map.of(), runId);
        } catch (RuntimeException e) {
            backend.stopKafka();
            backend.stopPostgresForGood();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stack::shutdown, "ssot-testkit-shutdown"));
        log.info("Test stack ({} mode) ready in {} ms: Kafka {}, PostgreSQL {}, schema registry {}", mode,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), backend.bootstrapServers(),
                backend.jdbcUrl(backend.maintenanceDatabase()), mode == Mode.TESTCONTAINERS ? "none" : backend.schemaRegistryUrl());
        return stack;
    }

    static Mode chooseMode(String property, Map<String, String> env) {
        if (property != null && !property.isBlank()) {
            try {
                return Mode.valueOf(property.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(MODE_PROPERTY + " must be embedded, external or testcontainers, was '" + property + "'", e);
            }
        }
        return ExternalBackend.configuredIn(env) ? Mode.EXTERNAL : Mode.EMBEDDED;
    }

    private static Map<String, String> kafkaPropsFromEnv(Map<String, String> env) {
        return env.entrySet().stream()
                .filter(e -> e.getKey().startsWith(KAFKA_ENV_PREFIX) && !e.getKey().equals(ExternalBackend.KAFKA_ENV))
                .collect(Collectors.toMap(
                        e -> e.getKey().substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        Map.Entry::getValue));
    }

    public Mode mode() {
        return backend.mode();
    }

    // ---------------------------------------------------------------- Kafka

    public String bootstrapServers() {
        return backend.bootstrapServers();
    }

    /** {@code base-<run id>-<n>}: unique in this JVM and across runs against a shared broker. */
    public String uniqueTopic(String base) {
        return base + "-" + runId + "-" + sequence.incrementAndGet();
    }

    /** Creates a topic (replication factor: the broker's default) and waits until every partition has a leader. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        NewTopic topic = new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs);
        try {
            sharedAdmin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            await("partitions of " + name + " have leaders").atMost(ADMIN_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .ignoreExceptions()
                    .until(() -> {
                        TopicDescription d = sharedAdmin.describeTopics(List.of(name)).allTopicNames()
                                .get(5, TimeUnit.SECONDS).get(name);
                        return d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null);
                    });
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topic " + name + " (" + partitions + " partitions, " + configs + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
    }

    /** Base producer settings: bootstrap servers, {@code acks=all}, idempotence on. Serializers are yours to add. */
    public Properties producerProps() {
        Properties p = new Properties();
        p.putAll(baseClientProps());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    /** Base consumer settings: bootstrap servers, the group, earliest offset reset, no auto-commit. Deserializers are yours. */
    public Properties consumerProps(String groupId) {
        Properties p = new Properties();
        p.putAll(baseClientProps());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return p;
    }

    /** The stack's shared Admin client. It is owned by the stack: {@code close()} on it does nothing. */
    public Admin admin() {
        return adminView;
    }

    /**
     * Reads {@code topic} from the beginning (all partitions, no consumer group, {@code read_committed}) until at least
     * {@code expected} records have arrived AND every partition is read to its end; returns every record read.
     *
     * @throws AssertionError if fewer than {@code expected} records arrive within {@code timeout}
     */
    public List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, int expected, Duration timeout) {
        return consumeAll(topic, expected, timeout, new Properties());
    }

    /** {@link #consumeAll(String, int, Duration)} with consumer settings of yours applied last (e.g. isolation.level). */
    public List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, int expected, Duration timeout, Properties overrides) {
        Properties p = new Properties();
        p.putAll(baseClientProps());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putAll(overrides);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            await("partitions of topic " + topic + " known").atMost(timeout).pollInSameThread().pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> {
                        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(2));
                        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
                        return !partitions.isEmpty();
                    });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await("at least " + expected + " records on " + topic).atMost(timeout).pollInSameThread()
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                        return records.size() >= expected && readToEnd(consumer, partitions);
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("expected at least " + expected + " records on " + topic + " within " + timeout + ", read "
                    + records.size(), e);
        }
        return records;
    }

    private static boolean readToEnd(KafkaConsumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
    }

    private Map<String, Object> baseClientProps() {
        Map<String, Object> p = new HashMap<>(extraClientProps);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, backend.bootstrapServers());
        return p;
    }

    // ---------------------------------------------------------------- schema registry

    /**
     * The Confluent-compatible schema registry's base URL, the value for {@code SCHEMA_REGISTRY_URL} (embedded:
     * {@code http://127.0.0.1:<port>/apis/ccompat/v7}; external: {@code SSOT_TEST_SCHEMA_REGISTRY_URL}).
     *
     * @throws UnsupportedOperationException in Testcontainers mode, which runs no registry
     */
    public String schemaRegistryUrl() {
        return backend.schemaRegistryUrl();
    }

    // ---------------------------------------------------------------- PostgreSQL

    /**
     * A fresh, uniquely named database with the schema migrated ({@link Migrations#apply}, publication
     * {@value #PUBLICATION}). Fast: it is copied from a template database migrated once per JVM.
     */
    public TestDatabase newDatabase(String prefix) {
        String name = databaseName(prefix);
        postgres.createDatabase(name, Optional.of(migratedTemplate()));
        return open(name);
    }

    /** A fresh, uniquely named, EMPTY database (no migrations applied), e.g. to test the migrations themselves. */
    public TestDatabase newEmptyDatabase(String prefix) {
        String name = databaseName(prefix);
        postgres.createDatabase(name, Optional.empty());
        return open(name);
    }

    /** A new autocommit connection to the maintenance database (e.g. to look at pg_replication_slots); close it. */
    public Connection adminConnection() throws SQLException {
        return postgres.connectMaintenance();
    }

    /** Names of the replication slots of {@code database}. */
    public List<String> replicationSlots(String database) {
        return postgres.replicationSlots(Optional.of(database));
    }

    public boolean databaseExists(String database) {
        return postgres.databaseExists(database);
    }

    /** JDBC URL of any database on the stack's PostgreSQL. */
    public String jdbcUrl(String database) {
        return backend.jdbcUrl(database);
    }

    private TestDatabase open(String name) {
        String url = backend.jdbcUrl(name);
        HikariDataSource pool = Database.pool("test-" + name, url, backend.user(), backend.password(), POOL_SIZE);
        TestDatabase db = new TestDatabase(name, url, backend.user(), backend.password(), pool, this::drop);
        openDatabases.add(db);
        return db;
    }

    private void drop(TestDatabase db) {
        try {
            postgres.dropDatabase(db.name());
        } finally {
            openDatabases.remove(db);
        }
    }

    private String databaseName(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (clean.isEmpty() || !Character.isLetter(clean.charAt(0))) {
            clean = "t_" + clean;
        }
        if (clean.length() > 40) {
            clean = clean.substring(0, 40);
        }
        return clean + "_" + runId + "_" + sequence.incrementAndGet();
    }

    private String migratedTemplate() {
        synchronized (LOCK) {
            if (migratedTemplate == null) {
                long t0 = System.nanoTime();
                String name = "ssot_template_" + runId;
                postgres.createDatabase(name, Optional.empty());
                PGSimpleDataSource ds = new PGSimpleDataSource();
                ds.setUrl(backend.jdbcUrl(name));
                ds.setUser(backend.user());
                backend.password().ifPresent(p -> ds.setPassword(p.reveal()));
                Migrations.apply(ds, PUBLICATION);
                migratedTemplate = name;
                log.info("Migrated template database {} in {} ms", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
            return migratedTemplate;
        }
    }

    // ---------------------------------------------------------------- faults (embedded mode only)

    /** Stops PostgreSQL (fast shutdown; clients are cut off). Port and data are kept for {@link #startPostgres()}. */
    public void stopPostgres() {
        backend.stopPostgres();
    }

    /** Starts PostgreSQL again on the same port and data. */
    public void startPostgres() {
        backend.startPostgres();
    }

    /** Stops and starts the Kafka broker on the same port and data; topics, records and offsets survive. */
    public void restartKafka() {
        backend.restartKafka();
    }

    /** Stops the schema registry (its process ends; clients get connection refused). Port and data are kept for {@link #startSchemaRegistry()}. */
    public void stopSchemaRegistry() {
        backend.stopSchemaRegistry();
    }

    /** Starts the schema registry again on the same port and data: subjects, ids and compatibility settings survive. */
    public void startSchemaRegistry() {
        backend.startSchemaRegistry();
    }

    // ---------------------------------------------------------------- shutdown

    private void shutdown() {
        long t0 = System.nanoTime();
        List<RuntimeException> failures = new ArrayList<>();
        run(failures, sharedAdmin::close);
        run(failures, backend::stopKafka);
        for (TestDatabase db : List.copyOf(openDatabases)) {
            log.warn("Test database {} was not closed by its test: dropping it", db.name());
            run(failures, db::close);
        }
        if (migratedTemplate != null) {
            run(failures, () -> postgres.dropDatabase(migratedTemplate));
        }
        if (backend.mode() == Mode.EMBEDDED) {
            // the server is ours: no slot anywhere may outlive the tests
            run(failures, () -> postgres.dropReplicationSlots(Optional.empty()));
        }
        run(failures, backend::stopPostgresForGood);
        if (failures.isEmpty()) {
            log.info("Test stack stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } else {
            failures.forEach(f -> log.error("Test stack shutdown step failed", f));
        }
    }

    private static void run(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private static String randomId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        sb.append(alphabet.charAt(random.nextInt(26)));
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** A view of the shared Admin whose close() does nothing, so try-with-resources in a test cannot break other tests. */
    private static Admin unclosable(Admin delegate) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("close")) {
                return null;
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class}, handler);
    }
}

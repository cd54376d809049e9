package com.voxanne.ssot.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default of the pipeline: a real Kafka KRaft broker ({@link EmbeddedKafka}), a real PostgreSQL
 * ({@link EmbeddedPostgresServer}) and a real Confluent-compatible schema registry ({@link EmbeddedSchemaRegistry},
 * Apicurio), all under one data directory, started in parallel (the slowest sets the start time) and closed in reverse
 * order.
 *
 * <pre>
 * dataDir/
 *   kafka/          Kafka storage (formatted once, reused)
 *   kafka-cluster/  instead, with {@link Builder#kafkaBrokers(int) three brokers}: one directory per node
 *   postgres/       PGDATA (initdb once, reused)
 *   postgres.log    PostgreSQL's own output
 *   registry/       the schema registry's H2 database (subjects, schema ids, compatibility; reused)
 *   registry.log    the schema registry's own output
 *   .lock           held while a stack runs here ({@link DataDirectoryLock})
 * </pre>
 *
 * <p>One stack at a time per data directory: a second start on it fails with {@link DataDirectoryLock.InUse}. Holding
 * that lock proves any PostgreSQL still running on the directory was left by a previous owner that died (a single broker
 * runs inside the owner's JVM and dies with it; the registry's and a cluster's brokers' watchdogs stop them when their
 * owner dies), so start stops that leftover first (or waits for it) instead of asking the user to.
 *
 * <p>With {@link Builder#tls(ServerTls)} Kafka and PostgreSQL speak TLS only (off by default): clients need
 * {@link #kafkaClientProperties()} and the {@link #jdbcUrl} (which carries {@code sslmode=verify-full}). The registry
 * stays plain HTTP on loopback.
 *
 * <p>This class logs a few INFO lines (where things are). The broker logs thousands under {@link #NOISY_LOGGERS}: a
 * logging configuration should send those to a file.
 */
public final class EmbeddedStack implements AutoCloseable {
    /**
     * Logger names that log a lot while the stack runs: the broker ({@code kafka}, {@code org.apache.kafka},
     * {@code state.change.logger}; ~2,200 INFO lines at start) and the PostgreSQL launcher ({@code io.zonky}). Note that
     * {@code org.apache.kafka} also holds the Kafka clients' own loggers.
     */
    public static final List<String> NOISY_LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger", "io.zonky");

    private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

    private final Path dataDir;
    private final DataDirectoryLock lock;
    private final EmbeddedKafka kafka;
    private final EmbeddedKafkaCluster cluster;
    private final EmbeddedPostgresServer postgres;
    private final EmbeddedSchemaRegistry registry;
    private final CompletableFuture<Void> registryStarted;

    private EmbeddedStack(Path dataDir, DataDirectoryLock lock, EmbeddedKafka kafka, EmbeddedKafkaCluster cluster,
            EmbeddedPostgresServer postgres, EmbeddedSchemaRegistry registry, CompletableFuture<Void> registryStarted) {
        this.dataDir = dataDir;
        this.lock = lock;
        this.kafka = kafka;
        this.cluster = cluster;
        this.postgres = postgres;
        this.registry = registry;
        this.registryStarted = registryStarted;
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** Starts all three on free ports with their data under {@code dataDir}; {@code fresh} wipes their data first. */
    public static EmbeddedStack start(Path dataDir, boolean fresh) {
        return builder(dataDir).fresh(fresh).start();
    }

    /**
     * The single in-process broker.
     *
     * @throws IllegalStateException if the stack runs a cluster instead ({@link #kafkaCluster()})
     */
    public EmbeddedKafka kafka() {
        if (kafka == null) {
            throw new IllegalStateException("this embedded stack runs a Kafka cluster of " + cluster.size() + " nodes: see kafkaCluster()");
        }
        return kafka;
    }

    /** The Kafka cluster, when the stack was built with {@link Builder#kafkaBrokers(int) several brokers}. */
    public Optional<EmbeddedKafkaCluster> kafkaCluster() {
        return Optional.ofNullable(cluster);
    }

    /** How many Kafka brokers the stack runs (1, or the cluster's size). */
    public int kafkaBrokers() {
        return cluster == null ? 1 : cluster.size();
    }

    public EmbeddedPostgresServer postgres() {
        return postgres;
    }

    /**
     * The schema registry.
     *
     * @throws IllegalStateException if the stack was built without one ({@link Builder#schemaRegistry(boolean)})
     */
    public EmbeddedSchemaRegistry schemaRegistry() {
        if (registry == null) {
            throw new IllegalStateException("this embedded stack runs no schema registry (built with schemaRegistry(false))");
        }
        return registry;
    }

    /**
     * Returns once the schema registry answers: at once, unless the stack was started with
     * {@link Builder#schemaRegistryInBackground(boolean)}. Does nothing without a registry.
     *
     * @throws EmbeddedStackException if the registry failed to start (the stack stays open: close it)
     */
    public EmbeddedStack awaitSchemaRegistry() {
        if (registry == null) {
            return this;
        }
        long t0 = System.nanoTime();
        try {
            registryStarted.get();
        } catch (ExecutionException | CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new EmbeddedStackException("the schema registry failed to start", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedStackException("interrupted while waiting for the schema registry", e);
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (waited > 0) {
            log.info("Waited {} ms for the schema registry at {}", waited, registry.url());
        }
        return this;
    }

    /** Whether this stack runs a schema registry (the default). */
    public boolean hasSchemaRegistry() {
        return registry != null;
    }

    /**
     * {@code http://127.0.0.1:<port>/apis/ccompat/v7}: the registry's Confluent-compatible API, the value for
     * {@code SCHEMA_REGISTRY_URL}.
     *
     * @throws IllegalStateException if the stack runs no schema registry
     */
    public String schemaRegistryUrl() {
        return schemaRegistry().url();
    }

    public String bootstrapServers() {
        return cluster != null ? cluster.bootstrapServers() : kafka.bootstrapServers();
    }

    /** Kafka client properties besides the bootstrap servers: empty, or with TLS the protocol and the CA to trust. */
    public Map<String, String> kafkaClientProperties() {
        return cluster != null ? Map.of() : kafka.clientProperties();
    }

    /** JDBC URL of {@code database} on the embedded PostgreSQL (user {@link EmbeddedPostgresServer#SUPERUSER}, no password). */
    public String jdbcUrl(String database) {
        return postgres.jdbcUrl(database);
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Stops the schema registry, Kafka, then PostgreSQL (reverse of start), then releases the directory; all are
     * attempted, the first failure is thrown.
     */
    @Override
    public void close() {
        long t0 = System.nanoTime();
        RuntimeException failure = null;
        for (AutoCloseable part : new AutoCloseable[] {registry, kafka, cluster, postgres, lock}) {
            if (part == null) {
                continue;
            }
            try {
                part.close();
            } catch (Exception e) {
                RuntimeException re = e instanceof RuntimeException r ? r : new EmbeddedStackException("could not close " + part, e);
                if (failure == null) {
                    failure = re;
                } else {
                    failure.addSuppressed(re);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        log.info("Embedded stack stopped in {} ms (data kept in {})", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dataDir);
    }

    @Override
    public String toString() {
        return "EmbeddedStack[" + (cluster != null ? cluster : kafka) + ", " + postgres + (registry == null ? "" : ", " + registry) + "]";
    }

    /** Settings of an {@link EmbeddedStack}; only the data directory is required. */
    public static final class Builder {
        private final Path dataDir;
        private boolean fresh;
        private int kafkaPort;
        private int kafkaControllerPort;
        private int postgresPort;
        private boolean schemaRegistry = true;
        private boolean schemaRegistryInBackground;
        private int schemaRegistryPort;
        private RegistryDistribution registryDistribution;
        private int kafkaPartitions = 3;
        private int kafkaBrokers = 1;
        private Duration brokerRestartDelay = EmbeddedKafkaCluster.DEFAULT_RESTART_DELAY;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private ServerTls tls;

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath();
        }

        /** Wipe the stack's data (kafka/, postgres/, registry/ and their logs under the data directory) before starting. */
        public Builder fresh(boolean fresh) {
            this.fresh = fresh;
            return this;
        }

        /** Kafka client port; 0 (default) picks a free one. */
        public Builder kafkaPort(int port) {
            LocalPorts.requireValid("Kafka port", port);
            this.kafkaPort = port;
            return this;
        }

        /** Kafka controller port; 0 (default) picks a free one. */
        public Builder kafkaControllerPort(int port) {
            LocalPorts.requireValid("Kafka controller port", port);
            this.kafkaControllerPort = port;
            return this;
        }

        /** PostgreSQL port; 0 (default) picks a free one. */
        public Builder postgresPort(int port) {
            LocalPorts.requireValid("PostgreSQL port", port);
            this.postgresPort = port;
            return this;
        }

        /**
         * Run the schema registry (default true). Without it {@link EmbeddedStack#schemaRegistryUrl()} refuses: for a
         * user who brings a registry of their own.
         */
        public Builder schemaRegistry(boolean run) {
            this.schemaRegistry = run;
            return this;
        }

        /**
         * Let {@link #start()} return once Kafka and PostgreSQL answer, while the schema registry (its port, and so
         * {@link EmbeddedStack#schemaRegistryUrl()}, fixed beforehand) finishes starting in the background (default
         * false: start() waits for all three). For a caller with other work to do before it needs the registry (the
         * pipeline migrates and creates topics meanwhile): it calls {@link EmbeddedStack#awaitSchemaRegistry()} before the
         * first use, so the registry's longer start is not added to the time to healthy.
         */
        public Builder schemaRegistryInBackground(boolean background) {
            this.schemaRegistryInBackground = background;
            return this;
        }

        /** Schema registry HTTP port; 0 (default) picks a free one. */
        public Builder schemaRegistryPort(int port) {
            LocalPorts.requireValid("schema registry port", port);
            this.schemaRegistryPort = port;
            return this;
        }

        /** Where Apicurio comes from; default {@link RegistryDistribution#fromEnvironment()}. */
        public Builder registryDistribution(RegistryDistribution distribution) {
            this.registryDistribution = Objects.requireNonNull(distribution, "distribution");
            return this;
        }

        /** Default partition count of new topics (num.partitions); default 3. */
        public Builder kafkaPartitions(int partitions) {
            this.kafkaPartitions = partitions;
            return this;
        }

        /**
         * Kafka brokers: 1 (default) in this JVM, or a cluster of that many (at least 3), each its own process
         * ({@link EmbeddedKafkaCluster}: replication 3, min.insync.replicas 2). Not with TLS.
         */
        public Builder kafkaBrokers(int brokers) {
            if (brokers != 1 && brokers < 3) {
                throw new IllegalArgumentException("Kafka brokers: 1, or a cluster of at least 3 (one may then be down); was " + brokers);
            }
            this.kafkaBrokers = brokers;
            return this;
        }

        /** With a cluster: how long after a broker died it is started again; default 5 s. */
        public Builder brokerRestartDelay(Duration delay) {
            this.brokerRestartDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** How long each part may take to answer; default 60 s. */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = Objects.requireNonNull(startupTimeout, "startupTimeout");
            return this;
        }

        /** TLS only on Kafka's listeners and PostgreSQL's TCP port, with these files (default off). */
        public Builder tls(ServerTls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /**
         * Starts PostgreSQL and the schema registry (each on a helper thread) and Kafka (on this one) in parallel and
         * returns when all answer.
         *
         * @throws EmbeddedStackException if any fails; the others are then stopped, nothing is left running
         */
        public EmbeddedStack start() {
            long t0 = System.nanoTime();
            DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir);
            try {
                return start(lock, t0);
            } catch (RuntimeException | Error e) {
                lock.close();
                throw e;
            }
        }

        private EmbeddedStack start(DataDirectoryLock lock, long t0) {
            Path kafkaDir = dataDir.resolve("kafka");
            Path clusterDir = dataDir.resolve("kafka-cluster");
            if (kafkaBrokers > 1 && tls != null) {
                throw new IllegalArgumentException("TLS is available on the single embedded broker only, not on a cluster of " + kafkaBrokers);
            }
            Path postgresDir = dataDir.resolve("postgres");
            Path postgresLog = dataDir.resolve("postgres.log");
            Path registryDir = dataDir.resolve("registry");
            Path registryLog = dataDir.resolve("registry.log");
            EmbeddedKafka.Builder kafkaBuilder = EmbeddedKafka.builder().dataDir(kafkaDir).port(kafkaPort)
                    .controllerPort(kafkaControllerPort).numPartitions(kafkaPartitions).startupTimeout(startupTimeout);
            EmbeddedPostgresServer.Builder postgresBuilder = EmbeddedPostgresServer.builder().dataDir(postgresDir).logFile(postgresLog)
                    .port(postgresPort).startupTimeout(startupTimeout).stopLeftoverServer(true);
            if (tls != null) {
                kafkaBuilder.tls(tls);
                postgresBuilder.tls(tls);
            }
            EmbeddedKafka kafka = kafkaBrokers == 1 ? kafkaBuilder.build() : null;
            // three JVMs starting on a small machine take longer than one broker in this one
            EmbeddedKafkaCluster cluster = kafkaBrokers == 1 ? null : EmbeddedKafkaCluster.builder(clusterDir).size(kafkaBrokers)
                    .numPartitions(kafkaPartitions).restartDelay(brokerRestartDelay)
                    .startupTimeout(startupTimeout.multipliedBy(2)).build();
            EmbeddedPostgresServer postgres = postgresBuilder.build();
            EmbeddedSchemaRegistry registry = null;
            if (schemaRegistry) {
                EmbeddedSchemaRegistry.Builder registryBuilder = EmbeddedSchemaRegistry.builder().dataDir(registryDir).logFile(registryLog)
                        .port(schemaRegistryPort).startupTimeout(startupTimeout);
                if (registryDistribution != null) {
                    registryBuilder.distribution(registryDistribution);
                }
                registry = registryBuilder.build();
            }
            if (fresh) {
                postgres.stopLeftoverServer(); // before its files are deleted under it
                log.info("Wiping embedded stack data in {} (fresh start)", dataDir);
                Directories.deleteRecursively(kafkaDir);
                if (cluster != null) {
                    cluster.stopLeftovers(); // a dead owner's brokers stop by themselves: not under their files' feet
                }
                Directories.deleteRecursively(clusterDir);
                Directories.deleteRecursively(postgresDir);
                Directories.deleteRecursively(postgresLog);
                // a registry left by a dead owner stops by itself within a second or so (its watchdog): wait for it
                // holding the registry directory's lock, so that its files are not deleted under it
                if (registry != null) {
                    registry.awaitLeftover();
                }
                Directories.deleteRecursively(registryDir);
                Directories.deleteRecursively(registryLog);
            }

            List<CompletableFuture<Void>> helpers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            startInBackground("embedded-postgres-start", postgres::start, helpers, threads);
            CompletableFuture<Void> registryStarted = CompletableFuture.completedFuture(null);
            if (registry != null) {
                if (schemaRegistryInBackground) {
                    registry.reservePort(); // its URL is known before it answers
                }
                startInBackground("embedded-registry-start", registry::start, helpers, threads);
                registryStarted = helpers.get(helpers.size() - 1);
                if (schemaRegistryInBackground) {
                    helpers.remove(helpers.size() - 1); // awaited by awaitSchemaRegistry(), not here
                    threads.remove(threads.size() - 1);
                }
            }

            RuntimeException failure = null;
            try {
                if (cluster != null) {
                    cluster.start();
                } else {
                    kafka.start();
                }
            } catch (RuntimeException e) {
                failure = e;
            }
            for (int i = 0; i < helpers.size(); i++) {
                failure = awaitHelper(helpers.get(i), threads.get(i), failure);
            }
            if (failure != null) {
                stopQuietly(failure, registry, kafka, cluster, postgres);
                throw failure;
            }
            EmbeddedStack stack = new EmbeddedStack(dataDir, lock, kafka, cluster, postgres, registry, registryStarted);
            log.info("Embedded stack up in {} ms: Kafka {} | PostgreSQL {} (user {}) | schema registry {}{} | data {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), stack.bootstrapServers(), postgres.jdbcUrl("postgres"),
                    postgres.user(), registry == null ? "none" : registry.url(),
                    registry != null && !registryStarted.isDone() ? " (still starting)" : "", dataDir);
            return stack;
        }

        private static void startInBackground(String name, Runnable start, List<CompletableFuture<Void>> helpers, List<Thread> threads) {
            CompletableFuture<Void> started = new CompletableFuture<>();
            Thread starter = new Thread(() -> {
                try {
                    start.run();
                    started.complete(null);
                } catch (Throwable e) {
                    started.completeExceptionally(e);
                }
            }, name);
            starter.setDaemon(true);
            starter.start();
            helpers.add(started);
            threads.add(starter);
        }

        /** Waits for a helper's start; returns the first failure so far, with this helper's added to it. */
        private static RuntimeException awaitHelper(CompletableFuture<Void> started, Thread starter, RuntimeException failure) {
            RuntimeException mine = null;
            try {
                started.get();
            } catch (ExecutionException | CompletionException e) {
                mine = e.getCause() instanceof RuntimeException re ? re
                        : new EmbeddedStackException(starter.getName() + " failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                mine = new EmbeddedStackException("interrupted while waiting for " + starter.getName(), e);
                try {
                    starter.join();
                } catch (InterruptedException again) {
                    Thread.currentThread().interrupt();
                }
            }
            if (mine == null) {
                return failure;
            }
            if (failure == null) {
                return mine;
            }
            failure.addSuppressed(mine);
            return failure;
        }

        private static void stopQuietly(RuntimeException failure, AutoCloseable... parts) {
            for (AutoCloseable part : parts) {
                if (part == null) {
                    continue;
                }
                try {
                    part.close();
                } catch (Exception e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }
}

package com.voxanne.ssot.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default of the pipeline: a real Kafka KRaft broker ({@link EmbeddedKafka}) and a real PostgreSQL
 * ({@link EmbeddedPostgresServer}), both under one data directory, started in parallel and closed in reverse order.
 *
 * <pre>
 * dataDir/
 *   kafka/          Kafka storage (formatted once, reused)
 *   postgres/       PGDATA (initdb once, reused)
 *   postgres.log    PostgreSQL's own output
 *   .lock           held while a stack runs here ({@link DataDirectoryLock})
 * </pre>
 *
 * <p>One stack at a time per data directory: a second start on it fails with {@link DataDirectoryLock.InUse}. Holding
 * that lock proves any PostgreSQL still running on the directory was left by a previous owner that died (the broker
 * runs inside the owner's JVM and dies with it), so start stops that leftover first instead of asking the user to.
 *
 * <p>With {@link Builder#tls(ServerTls)} both speak TLS only (off by default): clients need
 * {@link #kafkaClientProperties()} and the {@link #jdbcUrl} (which carries {@code sslmode=verify-full}).
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
    private final EmbeddedPostgresServer postgres;

    private EmbeddedStack(Path dataDir, DataDirectoryLock lock, EmbeddedKafka kafka, EmbeddedPostgresServer postgres) {
        this.dataDir = dataDir;
        this.lock = lock;
        this.kafka = kafka;
        this.postgres = postgres;
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** Starts both on free ports with their data under {@code dataDir}; {@code fresh} wipes their data first. */
    public static EmbeddedStack start(Path dataDir, boolean fresh) {
        return builder(dataDir).fresh(fresh).start();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedPostgresServer postgres() {
        return postgres;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Kafka client properties besides the bootstrap servers: empty, or with TLS the protocol and the CA to trust. */
    public Map<String, String> kafkaClientProperties() {
        return kafka.clientProperties();
    }

    /** JDBC URL of {@code database} on the embedded PostgreSQL (user {@link EmbeddedPostgresServer#SUPERUSER}, no password). */
    public String jdbcUrl(String database) {
        return postgres.jdbcUrl(database);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops Kafka, then PostgreSQL (reverse of start), then releases the directory; all are attempted, the first failure is thrown. */
    @Override
    public void close() {
        long t0 = System.nanoTime();
        RuntimeException failure = null;
        for (AutoCloseable part : new AutoCloseable[] {kafka, postgres, lock}) {
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
        return "EmbeddedStack[" + kafka + ", " + postgres + "]";
    }

    /** Settings of an {@link EmbeddedStack}; only the data directory is required. */
    public static final class Builder {
        private final Path dataDir;
        private boolean fresh;
        private int kafkaPort;
        private int kafkaControllerPort;
        private int postgresPort;
        private int kafkaPartitions = 3;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private ServerTls tls;

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath();
        }

        /** Wipe the stack's data (kafka/, postgres/, postgres.log under the data directory) before starting. */
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

        /** Default partition count of new topics (num.partitions); default 3. */
        public Builder kafkaPartitions(int partitions) {
            this.kafkaPartitions = partitions;
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
         * Starts PostgreSQL (on a helper thread) and Kafka (on this one) in parallel and returns when both answer.
         *
         * @throws EmbeddedStackException if either fails; the other is then stopped, nothing is left running
         */
        public EmbeddedStack start() {
            long t0 = System.nanoTime();
            Path kafkaDir = dataDir.resolve("kafka");
            Path postgresDir = dataDir.resolve("postgres");
            Path postgresLog = dataDir.resolve("postgres.log");
            DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir);
            try {
                return start(lock, kafkaDir, postgresDir, postgresLog, t0);
            } catch (RuntimeException | Error e) {
                lock.close();
                throw e;
            }
        }

        private EmbeddedStack start(DataDirectoryLock lock, Path kafkaDir, Path postgresDir, Path postgresLog, long t0) {
            EmbeddedKafka.Builder kafkaBuilder = EmbeddedKafka.builder().dataDir(kafkaDir).port(kafkaPort)
                    .controllerPort(kafkaControllerPort).numPartitions(kafkaPartitions).startupTimeout(startupTimeout);
            EmbeddedPostgresServer.Builder postgresBuilder = EmbeddedPostgresServer.builder().dataDir(postgresDir).logFile(postgresLog)
                    .port(postgresPort).startupTimeout(startupTimeout).stopLeftoverServer(true);
            if (tls != null) {
                kafkaBuilder.tls(tls);
                postgresBuilder.tls(tls);
            }
            EmbeddedKafka kafka = kafkaBuilder.build();
            EmbeddedPostgresServer postgres = postgresBuilder.build();
            if (fresh) {
                postgres.stopLeftoverServer(); // before its files are deleted under it
                log.info("Wiping embedded stack data in {} (fresh start)", dataDir);
                Directories.deleteRecursively(kafkaDir);
                Directories.deleteRecursively(postgresDir);
                Directories.deleteRecursively(postgresLog);
            }

            CompletableFuture<Void> postgresStarted = new CompletableFuture<>();
            Thread starter = new Thread(() -> {
                try {
                    postgres.start();
                    postgresStarted.complete(null);
                } catch (Throwable e) {
                    postgresStarted.completeExceptionally(e);
                }
            }, "embedded-postgres-start");
            starter.setDaemon(true);
            starter.start();

            RuntimeException failure = null;
            try {
                kafka.start();
            } catch (RuntimeException e) {
                failure = e;
            }
            try {
                postgresStarted.get();
            } catch (ExecutionException | CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                        : new EmbeddedStackException("PostgreSQL failed to start", e.getCause());
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                RuntimeException interrupted = new EmbeddedStackException("interrupted while starting PostgreSQL", e);
                if (failure == null) {
                    failure = interrupted;
                } else {
                    failure.addSuppressed(interrupted);
                }
                try {
                    starter.join();
                } catch (InterruptedException again) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failure != null) {
                stopQuietly(kafka, postgres, failure);
                throw failure;
            }
            EmbeddedStack stack = new EmbeddedStack(dataDir, lock, kafka, postgres);
            log.info("Embedded stack up in {} ms: Kafka {} | PostgreSQL {} (user {}) | data {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), kafka.bootstrapServers(), postgres.jdbcUrl("postgres"),
                    postgres.user(), dataDir);
            return stack;
        }

        private static void stopQuietly(EmbeddedKafka kafka, EmbeddedPostgresServer postgres, RuntimeException failure) {
            try {
                kafka.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
            try {
                postgres.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }
}

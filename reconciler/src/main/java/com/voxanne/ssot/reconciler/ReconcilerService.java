package com.voxanne.ssot.reconciler;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.platform.kafka.AvroWriters;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.kafka.TopicSetup;
import com.voxanne.ssot.platform.metrics.KafkaClientMeters;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.Lifecycle;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.reconciler.catchup.CatchUpMonitor;
import com.voxanne.ssot.reconciler.catchup.InputLag;
import com.voxanne.ssot.reconciler.query.ClusterQueries;
import com.voxanne.ssot.reconciler.query.ComplianceQueries;
import com.voxanne.ssot.reconciler.query.ComplianceQueries.OpenSummary;
import com.voxanne.ssot.reconciler.query.QueryRoutes;
import com.voxanne.ssot.reconciler.query.StoreAccess;
import com.voxanne.ssot.reconciler.query.StreamsInstances;
import com.voxanne.ssot.reconciler.topology.CdcDeadLetterHandler;
import com.voxanne.ssot.reconciler.topology.DeadLetterRefusals;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopology;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopologyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler as the CLI runs it ({@code ./ssot run reconciler}, or inside {@code ./ssot up}): a
 * Kafka Streams application that joins the CDC of managed_phone_numbers with the CDC of org_credentials
 * and publishes a violation on {@code ssot.violations} whenever an active managed number lacks a valid
 * SSOT row for longer than the grace period. It trusts no writer: it only looks at what the database
 * committed.
 *
 * <p>Exactly-once (v2): the state stores, the input offsets and the violations commit together, so an
 * episode is published once across restarts and rebalances. Alerts are held while the inputs are not
 * caught up ({@link CatchUpMonitor}). Mount the HTTP queries with {@link #registerRoutes(StatusServer)}.
 */
public final class ReconcilerService implements ManagedService {
    public static final String NAME = "reconciler";
    private static final Logger log = LoggerFactory.getLogger(ReconcilerService.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Backoff START_BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 2.0);
    /** A scrape reads several gauges of the open violations: one pass over the store serves them all for this long. */
    private static final long OPEN_SUMMARY_TTL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ReconcilerSettings settings;
    private final KafkaClients kafka;
    private final MeterRegistry registry;
    private final Redactor redactor;
    private final Lifecycle lifecycle = new Lifecycle(NAME);
    private final Closer closer = new Closer(NAME);
    private final ReconcilerMetrics metrics;
    private final Object openSummaryLock = new Object();
    private volatile OpenSummary lastOpenSummary = OpenSummary.NONE;
    private volatile long openSummaryAt = System.nanoTime() - OPEN_SUMMARY_TTL_NANOS;
    private final DeadLetterRefusals.Log deadLetterRefusals = new DeadLetterRefusals.Log();
    private volatile KafkaStreams streams;
    private volatile ComplianceQueries queries;
    private volatile ClusterQueries cluster;
    private volatile StreamThreadFailureHandler failureHandler;
    private Admin admin;
    private CatchUpMonitor catchUp;

    /** The reconciler of a deployment: settings from the context (the service factory convention). */
    public static ReconcilerService create(ServiceContext context) {
        return new ReconcilerService(context, ReconcilerSettings.from(context.config(), context.source()));
    }

    private ReconcilerService(ServiceContext context, ReconcilerSettings settings) {
        this.settings = settings;
        this.kafka = context.kafka();
        this.registry = context.metrics();
        this.redactor = context.redactor();
        this.metrics = new ReconcilerMetrics(registry);
        closer.onClose("remove the reconciler's gauges", metrics::close);
    }

    @Override
    public String name() {
        return NAME;
    }

    public ReconcilerSettings settings() {
        return settings;
    }

    /**
     * Creates missing topics, starts the Streams application and returns once it is RUNNING.
     *
     * @throws ReconcilerStartException when Kafka cannot be reached, the CDC topics are not co-partitioned,
     *         or the application is not RUNNING within RECONCILER_START_TIMEOUT (everything opened is closed)
     */
    @Override
    public synchronized void start() throws InterruptedException {
        lifecycle.beginStart();
        Instant deadline = Instant.now().plus(settings.startTimeout());
        try {
            Files.createDirectories(settings.stateDir());
        } catch (IOException e) {
            throw new ReconcilerStartException("cannot create the reconciler state directory " + settings.stateDir(), e);
        }
        try {
            AdminClient adminClient = AdminClient.create(kafka.common());
            admin = adminClient;
            closer.onClose("close the admin client", () -> admin.close(ADMIN_TIMEOUT));
            closer.register("unbind the admin client's metrics", KafkaClientMeters.bind(registry, adminClient));
            ensureTopics(deadline);
            catchUp = new CatchUpMonitor(new InputLag(admin, settings.applicationId(),
                    List.of(settings.topics().cdcManagedNumbers().name(), settings.topics().cdcOrgCredentials().name()),
                    ADMIN_TIMEOUT), settings.maxCatchUpLag(), settings.catchUpRefresh());
            ReconcilerTopologyConfig topologyConfig = settings.topologyConfig().withGate(catchUp).withListener(metrics);
            // the violation schema's id, once: producing a violation later never waits on the schema registry
            AvroWriters.prepare(settings.topics(), Duration.between(Instant.now(), deadline), settings.topics().violations());
            Topology topology = ReconcilerTopology.buildTopology(topologyConfig, settings.topics().violations().valueSerde());
            KafkaStreams created = new KafkaStreams(topology, streamsProperties());
            failureHandler = new StreamThreadFailureHandler(Backoff.DEFAULT, deadLetterRefusals, settings.dlqMaxAttempts(),
                    metrics.failures("stream_thread"), redactor);
            created.setUncaughtExceptionHandler(failureHandler);
            created.setStateListener((newState, oldState) -> {
                log.info("Reconciler streams {} -> {}", oldState, newState);
                catchUp.onStateChange(newState);
            });
            streams = created;
            closer.onClose("close the streams client", () -> closeStreams(created));
            closer.register("unbind the streams client's metrics", metrics.bindStreams(created, settings.applicationId()));
            closer.onClose("stop the catch-up monitor", catchUp::close);
            queries = new ComplianceQueries(StoreAccess.of(created), topologyConfig.stores());
            cluster = new ClusterQueries(new StreamsInstances(created, settings.applicationServer(), inputPartitions()));
            metrics.bindOpenGauges(this::openSummary);
            log.info("Starting reconciler application.id={} grace={} punctuation={} stateDir={} inputs={},{} output={}",
                    settings.applicationId(), settings.grace(), settings.punctuationInterval(), settings.stateDir(),
                    topologyConfig.managedNumbersTopic(), topologyConfig.orgCredentialsTopic(), topologyConfig.violationsTopic());
            created.start();
            awaitRunning(created, deadline);
            catchUp.start();
            lifecycle.running();
        } catch (RuntimeException | InterruptedException e) {
            Closer.closeAfter(e, this);
            throw e;
        }
    }

    private void ensureTopics(Instant deadline) throws InterruptedException {
        Backoff.Attempts attempts = START_BACKOFF.attempts();
        while (true) {
            try {
                TopicSetup.ensure(admin, settings.topicPlan(), ADMIN_TIMEOUT);
                return;
            } catch (TopicSetup.NotCoPartitionedException e) {
                throw new ReconcilerStartException(e.getMessage(), e);
            } catch (TopicSetup.TopicSetupException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new ReconcilerStartException("reconciler could not set up its topics on Kafka at "
                            + kafka.bootstrapServers() + " within " + settings.startTimeout() + ": "
                            + redactor.describe(e), e);
                }
                if (attempts.count() == 0) {
                    log.warn("Kafka at {} not ready for the reconciler's topic setup; retrying with backoff: {}",
                            kafka.bootstrapServers(), redactor.describe(e));
                }
                attempts.pause();
            }
        }
    }

    /** The partitions of the input topics (co-partitioned: checked by the topic setup), hence of every store. */
    private int inputPartitions() {
        String topic = settings.topics().cdcManagedNumbers().name();
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic).partitions().size();
        } catch (ExecutionException | TimeoutException e) {
            throw new ReconcilerStartException("cannot read the partitions of " + topic + ": " + redactor.describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReconcilerStartException("interrupted while reading the partitions of " + topic, e);
        }
    }

    private void awaitRunning(KafkaStreams created, Instant deadline) throws InterruptedException {
        while (created.state() != KafkaStreams.State.RUNNING) {
            KafkaStreams.State state = created.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                    || state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_SHUTDOWN) {
                throw new ReconcilerStartException("reconciler streams stopped while starting (state " + state
                        + "); see the log for the stream thread's error");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new ReconcilerStartException("reconciler did not reach RUNNING within " + settings.startTimeout()
                        + " (state " + state + "); is Kafka at " + kafka.bootstrapServers() + " reachable?");
            }
            Thread.sleep(50);
        }
        log.info("Reconciler RUNNING (application.id={})", settings.applicationId());
    }

    Properties streamsProperties() {
        Properties props = new Properties();
        props.putAll(kafka.common());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // where the other instances ask this one for its part of an answer (the queries are cluster-wide)
        settings.applicationServer().ifPresent(server -> props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server));
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitInterval().toMillis());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, CdcDeadLetterHandler.class);
        props.put(CdcDeadLetterHandler.REDACTOR_CONFIG, redactor);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterRefusals.class);
        props.put(DeadLetterRefusals.LOG_CONFIG, deadLetterRefusals);
        Counter parked = metrics.failures("cdc_decode");
        metrics.expectDeadLetters(List.of(settings.topics().cdcManagedNumbers().name(), settings.topics().cdcOrgCredentials().name()));
        props.put(CdcDeadLetterHandler.ON_PARKED_CONFIG, (Consumer<String>) topic -> {
            parked.increment();
            metrics.deadLettered(topic);
        });
        return props;
    }

    /**
     * The reconciler's HTTP queries ({@code GET /api/violations}, {@code GET /api/compliance?org=},
     * {@code GET /api/timeline[?org=]}) on the process's status server. May be called before {@link #start()}: they
     * answer 503 until it runs.
     */
    public void registerRoutes(StatusServer server) {
        new QueryRoutes(this::queries, this::cluster, Clock.systemUTC()).register(server);
    }

    /** Queries over this instance's state stores, once started (its partitions only: see {@link ComplianceQueries}). */
    public Optional<ComplianceQueries> queries() {
        return Optional.ofNullable(queries);
    }

    /** Answers over every reconciler instance's stores, once started. */
    public Optional<ClusterQueries> cluster() {
        return Optional.ofNullable(cluster);
    }

    /** The Streams client state, empty before start. */
    public Optional<KafkaStreams.State> state() {
        KafkaStreams s = streams;
        return s == null ? Optional.empty() : Optional.of(s.state());
    }

    /** True while alerts are published (RUNNING and the inputs caught up). */
    public boolean alertsFlowing() {
        CatchUpMonitor monitor = catchUp;
        return monitor != null && monitor.caughtUp();
    }

    /** The open violations by kind and the oldest's age, at most {@link #OPEN_SUMMARY_TTL_NANOS} old. */
    private OpenSummary openSummary() {
        if (System.nanoTime() - openSummaryAt < OPEN_SUMMARY_TTL_NANOS) {
            return lastOpenSummary;
        }
        synchronized (openSummaryLock) { // not the service's monitor: start and close hold that for long
            ComplianceQueries q = queries;
            KafkaStreams s = streams;
            if (System.nanoTime() - openSummaryAt >= OPEN_SUMMARY_TTL_NANOS && q != null && s != null
                    && s.state() == KafkaStreams.State.RUNNING) {
                try {
                    lastOpenSummary = q.openSummary();
                    openSummaryAt = System.nanoTime();
                } catch (InvalidStateStoreException e) {
                    log.debug("Open-violation store not queryable now; the gauges keep their last values", e);
                }
            }
            return lastOpenSummary;
        }
    }

    @Override
    public ComponentHealth health() {
        KafkaStreams s = streams;
        if (s == null) {
            return ComponentHealth.down(lifecycle.isClosed() ? "closed" : "not started");
        }
        KafkaStreams.State state = s.state();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", state.name());
        details.put("applicationId", settings.applicationId());
        settings.applicationServer().ifPresent(server -> details.put("applicationServer", server));
        details.put("graceSeconds", settings.grace().toMillis() / 1000.0);
        CatchUpMonitor monitor = catchUp;
        if (monitor != null) {
            details.put("inputLag", monitor.lastLag());
            monitor.holdingSince().ifPresent(since -> details.put("alertsHeldSince", since.toString()));
            monitor.lastError().ifPresent(error -> details.put("lagError", redactor.redact(error)));
        }
        StreamThreadFailureHandler handler = failureHandler;
        if (handler != null && handler.gaveUp().isPresent()) {
            details.put("reason", handler.gaveUp().get());
            return new ComponentHealth(ComponentHealth.Status.DOWN, details);
        }
        if (handler != null && handler.lastFailure().isAfter(Instant.now().minus(Duration.ofMinutes(1)))) {
            details.put("lastThreadFailure", handler.lastFailure().toString());
            return new ComponentHealth(ComponentHealth.Status.DEGRADED, details);
        }
        return switch (state) {
            case RUNNING -> {
                boolean heldTooLong = monitor != null && monitor.holdingSince()
                        .map(since -> since.plus(settings.grace()).isBefore(Instant.now())).orElse(false);
                yield new ComponentHealth(heldTooLong ? ComponentHealth.Status.DEGRADED : ComponentHealth.Status.UP, details);
            }
            case CREATED, REBALANCING -> new ComponentHealth(ComponentHealth.Status.DEGRADED, details);
            default -> new ComponentHealth(ComponentHealth.Status.DOWN, details);
        };
    }

    /** Stops the catch-up monitor, then the streams client (leaving the group), then the admin client. Idempotent. */
    @Override
    public synchronized void close() {
        if (lifecycle.beginClose()) {
            closer.close();
        }
    }

    private void closeStreams(KafkaStreams created) {
        // leave the group: a restarted (or another) instance takes the partitions over at once instead of
        // waiting for this member's session to time out
        if (!created.close(CloseOptions.timeout(CLOSE_TIMEOUT)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
            log.warn("Reconciler streams did not close within {} (state {})", CLOSE_TIMEOUT, created.state());
        } else {
            log.info("Reconciler closed");
        }
    }
}

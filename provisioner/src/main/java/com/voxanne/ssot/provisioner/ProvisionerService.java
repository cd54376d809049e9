package com.voxanne.ssot.provisioner;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.kafka.AvroWriters;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.metrics.KafkaClientMeters;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.Lifecycle;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.provisioner.inbox.RequestInbox;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.provisioner.saga.ProviderCircuit;
import com.voxanne.ssot.provisioner.saga.RequestValidator;
import com.voxanne.ssot.provisioner.saga.ResultPublisher;
import com.voxanne.ssot.provisioner.saga.SagaMetrics;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.saga.SagaWorkers;
import com.voxanne.ssot.provisioner.store.InboxStore;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaStore;
import com.voxanne.ssot.provisioner.store.StoreException;
import com.voxanne.ssot.provisioner.tracing.ProvisionerTracing;
import com.voxanne.ssot.provisioner.twilio.LimitedNumberVendor;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.vapi.LimitedDirectory;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import com.voxanne.ssot.schemas.Topics;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provisioner as the CLI runs it ({@code ./ssot up}, {@code ./ssot run provisioner}): the request inbox (Kafka ->
 * provisioning_requests), the saga workers (provisioning_requests -> Twilio, Vapi, the final transaction), the result
 * publisher and the housekeeping that keeps results flowing and the stuck-saga gauge current.
 *
 * <p>Several instances may run against the same database and consumer group: leases make sure one saga is worked by
 * one instance at a time, and an instance that dies leaves its sagas to be taken over when their leases expire.
 */
public final class ProvisionerService implements ManagedService {
    public static final String NAME = "provisioner";
    private static final Logger log = LoggerFactory.getLogger(ProvisionerService.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final ServiceContext ctx;
    private final ProvisionerSettings settings;
    private final NumberVendor vendor;
    private final VoiceAgentDirectory directory;
    private final SagaStepListener listener;
    private final SagaMetrics metrics;
    private final Redactor redactor;
    private final ProvisionerTracing tracing;
    private final ProviderCircuit circuit;
    private final Lifecycle lifecycle = new Lifecycle(NAME);
    private final Closer closer = new Closer(NAME);
    private final AtomicReference<String> housekeepingProblem = new AtomicReference<>();
    /** Why a worker killed the instance, once one did: the health report says so until it is closed. */
    private volatile Throwable crash;

    private HikariDataSource pool;
    private KafkaProducer<byte[], byte[]> producer;
    private SagaStore sagas;
    private ResultPublisher publisher;
    private SagaWorkers workers;
    private RequestInbox inbox;
    private Thread inboxThread;
    private ScheduledExecutorService housekeeping;

    private ProvisionerService(ServiceContext ctx, ProvisionerSettings settings, NumberVendor vendor, VoiceAgentDirectory directory,
                               SagaStepListener listener) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.settings = Objects.requireNonNull(settings, "settings");
        // a call waits for a slot at most one call timeout: a worker never sits on its lease in a queue
        this.vendor = new LimitedNumberVendor(Objects.requireNonNull(vendor, "vendor"),
                new ConcurrencyLimit("Twilio", settings.twilioMaxConcurrency(), settings.httpTimeout()));
        this.directory = new LimitedDirectory(Objects.requireNonNull(directory, "directory"),
                new ConcurrencyLimit("Vapi", settings.vapiMaxConcurrency(), settings.httpTimeout()));
        this.listener = Objects.requireNonNull(listener, "listener");
        this.metrics = new SagaMetrics(ctx.metrics());
        this.redactor = ctx.redactor();
        this.tracing = new ProvisionerTracing(ctx.tracer(NAME), redactor);
        this.circuit = new ProviderCircuit(vendor, directory, redactor, ctx.metrics(), java.time.Clock.systemUTC());
        // registered first, so removed last: the gauges read this instance until everything else has stopped
        closer.onClose("remove the saga gauges", metrics::close);
        closer.onClose("remove the circuit gauge", circuit::close);
    }

    /**
     * The provisioner with the providers the configuration names: Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
     * TWILIO_BASE_URL) and Vapi (VAPI_API_KEY, VAPI_BASE_URL), over HTTP. With {@code SimulatedProviders.configuration()}
     * applied to the source these are the simulated servers.
     */
    public static ProvisionerService create(ServiceContext ctx) {
        ProvisionerSettings settings = ProvisionerSettings.from(ctx.source());
        ProviderClients clients = ProviderClients.from(ctx.config(), settings);
        return new ProvisionerService(ctx, settings, clients.vendor(), clients.directory(), SagaStepListener.NONE);
    }

    /**
     * The provisioner with providers of your choice and a {@link SagaStepListener} (the crash-test seam; pass
     * {@link SagaStepListener#NONE} for none), settings from the context's source.
     */
    public static ProvisionerService create(ServiceContext ctx, NumberVendor vendor, VoiceAgentDirectory directory,
                                            SagaStepListener listener) {
        return new ProvisionerService(ctx, ProvisionerSettings.from(ctx.source()), vendor, directory, listener);
    }

    @Override
    public String name() {
        return NAME;
    }

    public ProvisionerSettings settings() {
        return settings;
    }

    /** The stored state of a saga (for the CLI and tests). */
    public Optional<SagaRecord> saga(String requestId) {
        return sagas.reads().find(requestId);
    }

    @Override
    public void start() throws Exception {
        lifecycle.beginStart();
        try {
            startParts();
        } catch (Exception | Error e) {
            Closer.closeAfter(e, this);
            throw e;
        }
        lifecycle.running();
        if (settings.simulatedProviders()) {
            log.warn("Provisioner uses SIMULATED Twilio and Vapi ({}): no real number is bought", settings.twilioBaseUrl());
        }
        log.info("Provisioner {} started: workers={}, lease={}, maxAge={}, group={}, requests={}", settings.instanceId(),
                settings.workers(), settings.lease(), settings.maxAge(), settings.groupId(),
                ctx.config().topics().provisioningRequests().name());
    }

    /** Starts each part and registers it with the closer as it starts, so close() stops them in reverse order. */
    private void startParts() throws Exception {
        Topics topics = ctx.config().topics();
        pool = closer.register("close the database pool", ctx.database().pool("provisioner", settings.workers() + 3));
        awaitDatabase();
        // the ids of the schemas it writes, once: a registry outage later cannot fail a saga's final write
        AvroWriters.prepare(topics, START_TIMEOUT, topics.numbersProvisioned(), topics.numbersReleased(),
                topics.provisioningResults());
        sagas = SagaStore.on(pool, new OutboxWriter(topics.numbersProvisioned(), topics.numbersReleased()));
        String clientId = "provisioner-" + settings.instanceId();
        producer = KafkaClientMeters.producer(ctx.metrics(), ctx.kafka().producer(clientId), new ByteArraySerializer(), new ByteArraySerializer());
        closer.onClose("close the Kafka producer", () -> producer.close(Duration.ofSeconds(10)));
        publisher = new ResultPublisher(sagas.results(), producer, topics.provisioningResults(), SEND_TIMEOUT, redactor, tracing);
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "provisioner-housekeeping");
            t.setDaemon(true);
            return t;
        });
        closer.onClose("stop housekeeping", () -> {
            housekeeping.shutdownNow();
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        });
        workers = closer.register("stop the saga workers", new SagaWorkers(sagas, settings, vendor, directory, publisher, listener,
                metrics, redactor, circuit, tracing, this::crashed));
        // made before the workers start: a worker that crashes the instance stops the inbox
        inbox = newInbox(topics, clientId + "-inbox"); // its own client.id: metrics and quotas tell producer and consumer apart
        closer.onClose("stop the request inbox", () -> inbox.stop(Duration.ofSeconds(15)));
        housekeeping.scheduleWithFixedDelay(this::sweepResults, 1, 1, TimeUnit.SECONDS);
        housekeeping.scheduleWithFixedDelay(this::refreshStuckGauge, 0, 5, TimeUnit.SECONDS);
        // the credentials of both providers, checked read-only before the first purchase: a failing check leaves the
        // service running, DEGRADED, with the circuit open (the probe below closes it once the providers answer)
        if (circuit.probe()) {
            log.info("Twilio and Vapi accept the configured credentials");
        }
        long probeMs = settings.circuitProbeInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(this::probeCircuit, probeMs, probeMs, TimeUnit.MILLISECONDS);
        workers.start();
        inboxThread = new Thread(inbox, "provisioner-inbox");
        inboxThread.setDaemon(true);
        inboxThread.start();
        if (!inbox.awaitFirstPoll(START_TIMEOUT) || inbox.isStopped()) {
            throw new IllegalStateException("provisioner inbox did not start polling " + topics.provisioningRequests().name() + " within "
                    + START_TIMEOUT + inbox.problem().map(p -> ": " + p).orElse(""));
        }
    }

    private RequestInbox newInbox(Topics topics, String clientId) {
        Map<String, Object> consumerProps = ctx.kafka().consumer(settings.groupId(), clientId);
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        KafkaConsumer<byte[], byte[]> consumer = KafkaClientMeters.consumer(ctx.metrics(), consumerProps, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        return new RequestInbox(new RequestInbox.Settings(topics.provisioningRequests().name(), settings.retry(),
                        settings.dlqMaxAttempts()),
                new RequestInbox.Collaborators(consumer, new InboxStore(pool), new RequestValidator(),
                        topics.requests().valueSerde().deserializer(), new DeadLetters(producer, redactor, SEND_TIMEOUT)
                                .counted(ctx.metrics(), NAME, topics.provisioningRequests().name()), metrics, redactor, tracing),
                new RequestInbox.Wakeups(workers::wake, this::sweepSoon));
    }

    private void awaitDatabase() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("SELECT 1 FROM provisioning_requests LIMIT 1");
                c.rollback();
                return;
            } catch (SQLException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("provisioner could not use the database " + ctx.database().jdbcUrl() + " within " + START_TIMEOUT
                + " (are the migrations applied?): " + (last == null ? "timeout" : redactor.describe(last)), last);
    }

    private void sweepSoon() {
        ScheduledExecutorService h = housekeeping;
        if (h != null && !h.isShutdown()) {
            h.execute(this::sweepResults);
        }
    }

    private void sweepResults() {
        try {
            publisher.sweep(200);
            clearHousekeepingProblem();
        } catch (RuntimeException e) {
            housekeepingProblem("cannot publish results yet (they stay pending and are re-sent)", e);
        }
    }

    private void probeCircuit() {
        try {
            if (circuit.isOpen() && circuit.probe()) {
                workers.wake();
            }
        } catch (RuntimeException e) {
            log.warn("Provider circuit probe failed unexpectedly; trying again in {}", settings.circuitProbeInterval(), e);
        }
    }

    /** The provider circuit (open while a provider refuses our configuration). */
    public ProviderCircuit circuit() {
        return circuit;
    }

    private void refreshStuckGauge() {
        try {
            metrics.stuckAfterPurchase(sagas.reads().countStuck(settings.stuckAfter()));
        } catch (StoreException e) {
            housekeepingProblem("cannot count stuck sagas", e);
        }
    }

    private void housekeepingProblem(String what, RuntimeException e) {
        String problem = what + ": " + redactor.describe(e);
        if (housekeepingProblem.getAndSet(problem) == null) {
            log.warn("Provisioner housekeeping: {}", problem, e);
        }
    }

    private void clearHousekeepingProblem() {
        if (housekeepingProblem.getAndSet(null) != null) {
            log.info("Provisioner housekeeping recovered: results are published again");
        }
    }

    /** A worker died of an Error (a simulated kill): stop everything at once, hand nothing back. */
    private void crashed(Throwable error) {
        crash = error;
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        Thread stopper = new Thread(() -> {
            try {
                inbox.stop(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "provisioner-crash-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    @Override
    public ComponentHealth health() {
        switch (lifecycle.state()) {
            case NEW:
                return ComponentHealth.down("not started");
            case STARTING:
                return ComponentHealth.down("starting");
            case CLOSED:
                return ComponentHealth.down("stopped");
            default:
                break;
        }
        Throwable crashed = crash;
        if (crashed != null) {
            return ComponentHealth.down("stopped abruptly: " + redactor.describe(crashed));
        }
        if (inbox.isStopped()) {
            return ComponentHealth.down("request inbox stopped" + inbox.problem().map(p -> ": " + p).orElse(""));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("instance", settings.instanceId());
        details.put("providers", settings.simulatedProviders() ? "SIMULATED (local fake Twilio and Vapi)" : "real");
        details.put("workers", settings.workers());
        details.put("activeSagas", workers.active());
        details.put("group", settings.groupId());
        Optional<String> problem = circuit.state().map(o -> "provider circuit open since " + o.since() + ": " + o.reason()
                        + "; no purchase starts and sagas wait where they are until a read-only probe succeeds")
                .or(() -> inbox.problem().map(p -> "inbox: " + p))
                .or(() -> workers.problem().map(p -> "sagas: " + p))
                .or(() -> Optional.ofNullable(housekeepingProblem.get()));
        if (problem.isPresent()) {
            details.put("reason", problem.get());
            return new ComponentHealth(ComponentHealth.Status.DEGRADED, details);
        }
        return ComponentHealth.up(details);
    }

    /**
     * Stops in order: the inbox (its batch in hand is recorded and committed, or left for redelivery), the workers
     * (each finishes its step and hands its saga back), housekeeping, the producer, the pool. Idempotent; a part that
     * fails to stop does not keep the others running, and every such failure is rethrown (one CloseException).
     */
    @Override
    public void close() {
        if (!lifecycle.beginClose()) {
            return;
        }
        try {
            closer.close();
        } finally {
            log.info("Provisioner {} stopped", settings.instanceId());
        }
    }
}

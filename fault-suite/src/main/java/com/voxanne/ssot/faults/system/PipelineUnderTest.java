package com.voxanne.ssot.faults.system;

import com.voxanne.ssot.embedded.Directories;
import com.voxanne.ssot.faults.inject.CheckpointTrap;
import com.voxanne.ssot.faults.inject.CommitKillingDataSource;
import com.voxanne.ssot.faults.inject.ProviderFaults;
import com.voxanne.ssot.faults.schedule.ScenarioSettings;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.pipeline.Pipeline.Part;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.platform.service.ServiceWithResource;
import com.voxanne.ssot.provisioner.ProviderClients;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.saga.ProviderCircuit;
import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.reconciler.ReconcilerService;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.schemas.Topics;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline (relay, projector, reconciler, provisioner) on a given Kafka and PostgreSQL, with simulated
 * Twilio and Vapi that use recognisable fake secrets, and with handles to hurt it: kill or restart each service (a new
 * instance takes over the same database, consumer group, slot or state), restart the broker, stop the database.
 *
 * <p>It is the real {@link Pipeline} (what the CLI runs) with two seams: the provisioner is built with a
 * {@link CheckpointTrap} as its saga listener, and the projector writes through a {@link CommitKillingDataSource} over
 * a pool of its own; the kills and restarts are {@link Pipeline#replace}. Closing it stops everything in reverse
 * order and drops its replication slot.
 */
public final class PipelineUnderTest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipelineUnderTest.class);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(2);
    /** The provisioner's lease: a worker stalled longer than this loses its saga. */
    public static final Duration LEASE = Duration.ofSeconds(5);
    private static final int TOPIC_PARTITIONS = 3;

    private final PipelineEnvironment environment;
    private final FakeSecrets secrets;
    private final ProjectorFactory projectors;
    private final Closer closer = new Closer("pipeline under test");
    private FakeTwilioServer twilio;
    private FakeVapiServer vapi;
    private ProviderFaults providerFaults;
    private Pipeline pipeline;
    // fixed for the pipeline's life (a replaced part keeps them), so read once
    private ServiceContext context;
    private Admin admin;
    private StatusServer statusServer;
    private Topics topics;
    private HikariDataSource dataSource;

    private volatile CommitKillingDataSource projectorDatabase;
    private volatile CheckpointTrap trap;

    private PipelineUnderTest(PipelineEnvironment environment, FakeSecrets secrets, ProjectorFactory projectors) {
        this.environment = environment;
        this.secrets = secrets;
        this.projectors = projectors;
    }

    /** Starts the simulated providers, then the pipeline: topics, the relay, projector, reconciler and provisioner. */
    public static PipelineUnderTest start(PipelineEnvironment environment, ScenarioSettings settings, ProjectorFactory projectors)
            throws Exception {
        PipelineUnderTest p = new PipelineUnderTest(environment, FakeSecrets.generate(), projectors);
        try {
            p.doStart(settings);
            return p;
        } catch (Exception | Error e) {
            Closer.closeAfter(e, p);
            throw e;
        }
    }

    private void doStart(ScenarioSettings settings) throws Exception {
        String accountSid = "AC" + HexFormat.of().formatHex(randomBytes(16));
        Map<String, String> env = settings(settings, accountSid);
        DatabaseSettings database = new DatabaseSettings(environment.jdbcUrl(), environment.databaseUser(),
                Optional.of(Secret.of(secrets.databasePassword())));
        // registered first so that it runs last, once the relay has let go of the slot
        closer.onClose("drop the replication slot", () -> RelayService.dropSlot(database, env.get("RELAY_SLOT_NAME")));
        twilio = closer.register("close the fake Twilio", FakeTwilioServer.start(accountSid, Secret.of(secrets.twilioAuthToken())));
        vapi = closer.register("close the fake Vapi", FakeVapiServer.start(Secret.of(secrets.vapiApiKey()), accountSid,
                Secret.of(secrets.twilioAuthToken()), twilio::owns));
        providerFaults = new ProviderFaults(twilio, vapi, secrets);
        env.put("TWILIO_BASE_URL", twilio.baseUrl());
        env.put("VAPI_BASE_URL", vapi.baseUrl());

        Pipeline.Factories factories = Pipeline.Factories.real()
                .with(Part.PROJECTOR, this::trappedProjector)
                .with(Part.PROVISIONER, this::trappedProvisioner);
        // this run's database and topic names are its own: it sets them up as ./ssot setup would, then starts
        Pipeline.setup(ConfigSource.of(env), line -> log.debug("Setup: {}", line));
        pipeline = closer.register("close the pipeline", Pipeline.start(ConfigSource.of(env), Pipeline.Options.all(), factories,
                line -> log.debug("Pipeline under test: {}", line)));
        context = pipeline.context();
        admin = pipeline.admin();
        statusServer = pipeline.statusServer();
        topics = context.config().topics();
        dataSource = closer.register("close the suite's pool", context.database().pool("fault-suite", 4));
        log.info("Pipeline under test running: topics {}, status {}", topics.names(), statusServer.baseUrl());
    }

    /**
     * The deployment's settings, by environment name, as the CLI would read them; secrets are the fakes. The providers'
     * addresses are added once their fake servers run.
     */
    private Map<String, String> settings(ScenarioSettings settings, String accountSid) {
        String s = environment.suffix();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", environment.bootstrapServers());
        env.put("DATABASE_URL", environment.jdbcUrl());
        env.put("SCHEMA_REGISTRY_URL", environment.stackFaults().schemaRegistryUrl());
        env.put("DATABASE_USER", environment.databaseUser());
        env.put("DATABASE_PASSWORD", secrets.databasePassword());
        env.put("SSOT_HTTP_TOKEN", secrets.httpToken());
        env.put("SSOT_METRICS_TOKEN", secrets.metricsToken());
        env.put("SSOT_DATA_DIR", environment.dataDir().toString());
        env.put("SSOT_GRACE", settings.grace().toMillis() + "ms");
        env.put("SSOT_HTTP_PORT", "0");
        env.put("SSOT_TOPIC_PARTITIONS", Integer.toString(TOPIC_PARTITIONS));
        env.put("TWILIO_ACCOUNT_SID", accountSid);
        env.put("TWILIO_AUTH_TOKEN", secrets.twilioAuthToken());
        env.put("VAPI_API_KEY", secrets.vapiApiKey());
        env.put(ProvisionerSettings.SIMULATED_PROVIDERS, "true");
        env.put("PROVISIONER_GROUP_ID", "faults-provisioner-" + s);
        env.put("PROVISIONER_HTTP_TIMEOUT", HTTP_TIMEOUT.toMillis() + "ms");
        env.put("PROVISIONER_LEASE", LEASE.toMillis() + "ms");
        env.put("PROVISIONER_PURCHASE_VISIBILITY", "15s");
        env.put("PROVISIONER_CIRCUIT_PROBE_INTERVAL", "500ms");
        env.put("PROVISIONER_RETRY_INITIAL", "100ms");
        env.put("PROVISIONER_RETRY_MAX", "2s");
        env.put("PROVISIONER_POLL_INTERVAL", "200ms");
        env.put("PROJECTOR_GROUP_ID", "faults-projector-" + s);
        env.put("PROJECTOR_RETRY_MAX", "2s");
        env.put("PROJECTOR_MAX_POLL_RECORDS", "500");
        env.put("RELAY_SLOT_NAME", "faults_" + s);
        env.put("RELAY_OFFSETS_TOPIC", "faults.relay.offsets." + s);
        env.put("RELAY_RESTART_BACKOFF_MAX", "2s");
        env.put("RELAY_MONITOR_INTERVAL", "1s");
        env.put("RECONCILER_APPLICATION_ID", "faults-reconciler-" + s);
        env.put("RECONCILER_STATE_DIR", environment.dataDir().resolve("reconciler").toString());
        for (String variable : SsotConfig.TOPIC_VARIABLES.keySet()) {
            env.put(variable, "faults." + variable.substring("TOPIC_".length()).toLowerCase().replace('_', '.') + "." + s);
        }
        return env;
    }

    // ---------------------------------------------------------------- the seams

    /** The real projector (or the factory's stand-in) writing through a commit-killing wrapper over its own pool. */
    private ManagedService trappedProjector(ServiceContext context) {
        HikariDataSource pool = context.database().pool("fault-suite-projector", 2);
        try {
            CommitKillingDataSource database = new CommitKillingDataSource(pool);
            ManagedService projector = ServiceWithResource.of(projectors.create(context, database), "close the projector's pool", pool);
            projectorDatabase = database;
            return projector;
        } catch (RuntimeException | Error e) {
            Closer.closeAfter(e, pool);
            throw e;
        }
    }

    /** The real provisioner, on the fake providers, with a fresh {@link CheckpointTrap} as its saga listener. */
    private ManagedService trappedProvisioner(ServiceContext context) {
        CheckpointTrap nextTrap = new CheckpointTrap();
        ProviderClients clients = ProviderClients.from(context.config(), ProvisionerSettings.from(context.source()));
        ProvisionerService next = ProvisionerService.create(context, clients.vendor(), clients.directory(), nextTrap);
        trap = nextTrap;
        return next;
    }

    private ProvisionerService provisioner() {
        return pipeline.service(Part.PROVISIONER, ProvisionerService.class);
    }

    // ---------------------------------------------------------------- faults

    /** What a kill or restart did. */
    public record Disruption(boolean triggered, String detail) {
    }

    /**
     * Kills the provisioner the first time one of its sagas passes {@code checkpoint} (waiting up to {@code wait} for
     * one to), then starts a new instance on the same database and consumer group. The dead instance's sagas are taken
     * over when their leases expire.
     */
    public Disruption killProvisionerAt(SagaCheckpoint checkpoint, Duration wait) throws Exception {
        CheckpointTrap.Shot shot = trap.armKill(checkpoint);
        boolean fired = shot.awaitFired(wait);
        if (!fired) {
            trap.disarm(shot);
        }
        ProvisionerService dead = provisioner();
        if (fired) {
            Waits.until("the killed provisioner to report DOWN", Duration.ofSeconds(10), Duration.ofMillis(50),
                    () -> dead.health().status() == ComponentHealth.Status.DOWN);
        }
        pipeline.replace(Part.PROVISIONER);
        return new Disruption(fired || shot.victim().isPresent(), shot.victim()
                .map(v -> "killed at " + checkpoint + " while working request " + v.requestId() + " (org " + v.orgId() + ")")
                .orElse("no saga reached " + checkpoint + " within " + wait.toSeconds() + " s: stopped and replaced idle"));
    }

    /**
     * The first provisioner worker to reach {@code checkpoint} stands still for {@code stall} (longer than the lease):
     * another worker takes the saga over meanwhile, and the stalled one must never buy or write for it when it wakes.
     */
    public Disruption stallProvisionerAt(SagaCheckpoint checkpoint, Duration stall, Duration wait) throws InterruptedException {
        CheckpointTrap.Shot shot = trap.armStall(checkpoint, stall);
        if (!shot.awaitFired(wait)) {
            trap.disarm(shot);
            return new Disruption(false, "no saga reached " + checkpoint + " within " + wait.toSeconds() + " s");
        }
        SagaRecord v = shot.victim().orElseThrow();
        return new Disruption(true, "worker stalled " + stall.toMillis() + " ms at " + checkpoint + " (lease " + LEASE.toMillis()
                + " ms) on request " + v.requestId());
    }

    /** Another Twilio customer buys the number the next saga has just chosen, before that saga's purchase. */
    public Disruption stealNextChosenNumber(Duration wait, Consumer<String> stolen) throws InterruptedException {
        CheckpointTrap.Shot shot = trap.armAction(SagaCheckpoint.NUMBER_CHOSEN, saga -> {
            twilio.sellToAnotherBuyer(saga.phoneNumber());
            stolen.accept(saga.phoneNumber());
        });
        if (!shot.awaitFired(wait)) {
            trap.disarm(shot);
            return new Disruption(false, "no saga chose a number within " + wait.toSeconds() + " s");
        }
        SagaRecord v = shot.victim().orElseThrow();
        return new Disruption(true, "another buyer took " + v.phoneNumber() + ", chosen by request " + v.requestId());
    }

    /** The provider circuit of the provisioner instance running now (null while it is being replaced). */
    public Optional<ProviderCircuit> provisionerCircuit() {
        return Optional.ofNullable(provisioner()).map(ProvisionerService::circuit);
    }

    /**
     * Stops the provisioner and rewinds its consumer group by up to {@code maxBack} requests per partition: the state a
     * crash between recording requests and committing their offsets leaves. The new instance receives them again.
     */
    public Disruption restartProvisionerWithLostOffsets(int maxBack, Random random) throws Exception {
        long[] redelivered = new long[1];
        pipeline.replace(Part.PROVISIONER, () -> redelivered[0] = GroupOffsets.rewind(admin, provisionerGroup(),
                topics.provisioningRequests().name(), maxBack, random));
        return new Disruption(redelivered[0] > 0, redelivered[0] + " recorded requests delivered again");
    }

    /**
     * Kills the projector right after its next SSOT transaction commits and before its offsets are committed (waiting
     * up to {@code wait} for a batch), then starts a new one in the same group: that batch is delivered again.
     */
    public Disruption killProjectorBetweenCommits(Duration wait) throws Exception {
        CommitKillingDataSource trap = projectorDatabase;
        trap.arm();
        boolean fired = trap.awaitFired(wait);
        if (!fired) {
            trap.disarm();
        }
        pipeline.replace(Part.PROJECTOR);
        return new Disruption(fired || trap.dead(), fired || trap.dead()
                ? "killed after an SSOT COMMIT, before its offset commit"
                : "no SSOT batch within " + wait.toSeconds() + " s: stopped and replaced idle");
    }

    /** Stops the projector, rewinds its group to the start of the event log, and starts a new one: a full replay. */
    public Disruption replayEventLog() throws Exception {
        long[] replayed = new long[1];
        pipeline.replace(Part.PROJECTOR,
                () -> replayed[0] = GroupOffsets.toStart(admin, projectorGroup(), topics.numbersProvisioned().name()));
        return new Disruption(replayed[0] > 0, replayed[0] + " events replayed from the start of the log");
    }

    /** Kills the relay's replication connection in PostgreSQL; its engine must notice, restart and resume. */
    public Disruption killRelayConnection() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                     + " WHERE slot_name = ? AND active_pid IS NOT NULL")) {
            ps.setString(1, slotName());
            boolean terminated = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    terminated |= rs.getBoolean(1);
                }
            }
            c.commit();
            return new Disruption(terminated, terminated ? "walsender of slot " + slotName() + " terminated"
                    : "slot " + slotName() + " had no active connection");
        }
    }

    /** Stops the relay (it commits only what Kafka acknowledged) and starts a new one on the same slot and offsets. */
    public Disruption restartRelay() throws Exception {
        pipeline.replace(Part.RELAY);
        return new Disruption(true, "relay replaced on slot " + slotName());
    }

    /** Stops the reconciler and starts it again, with its local state or (lostState) without it. */
    public Disruption restartReconciler(boolean lostState) throws Exception {
        Path stateDir = pipeline.service(Part.RECONCILER, ReconcilerService.class).settings().stateDir();
        pipeline.replace(Part.RECONCILER, () -> {
            if (lostState) {
                Directories.deleteRecursively(stateDir);
            }
        });
        return new Disruption(true, lostState ? "reconciler restarted with its state directory wiped (restored from changelogs)"
                : "reconciler restarted on its state");
    }

    public Disruption restartKafka() {
        environment.stackFaults().restartKafka();
        return new Disruption(true, "broker restarted");
    }

    /** Stops PostgreSQL for {@code downFor}, then starts it again. */
    public Disruption stopPostgres(Duration downFor) throws InterruptedException {
        environment.stackFaults().stopPostgres();
        try {
            Waits.pause(downFor);
        } finally {
            environment.stackFaults().startPostgres();
        }
        return new Disruption(true, "database down for " + downFor.toMillis() + " ms");
    }

    /**
     * Stops the schema registry for {@code downFor}, then starts it again (same port and data). Writers keep their ids
     * and readers the ids they have seen; a record with an id not seen yet waits for the registry, never the DLQ.
     */
    public Disruption restartSchemaRegistry(Duration downFor) throws InterruptedException {
        environment.stackFaults().stopSchemaRegistry();
        try {
            Waits.pause(downFor);
        } finally {
            environment.stackFaults().startSchemaRegistry();
        }
        return new Disruption(true, "schema registry down for " + downFor.toMillis() + " ms");
    }

    /** Waits until every service reports UP. */
    public Waits.Outcome awaitHealthy(Duration timeout) throws InterruptedException {
        return Waits.until("every service UP", timeout, Duration.ofMillis(100), () -> unhealthy().isEmpty());
    }

    /** The services not UP now, with their reasons (redacted by the services). */
    public Optional<String> unhealthy() {
        List<String> out = new ArrayList<>();
        pipeline.partHealth().forEach((name, h) -> {
            if (h.status() != ComponentHealth.Status.UP) {
                out.add(name + " " + h.status() + " " + h.details());
            }
        });
        return out.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", out));
    }

    // ---------------------------------------------------------------- what the scenario and the checker read

    public ServiceContext context() {
        return context;
    }

    public Topics topics() {
        return topics;
    }

    public KafkaClients kafka() {
        return context.kafka();
    }

    /** A small pool on the pipeline's database for the suite itself (autocommit off). */
    public HikariDataSource dataSource() {
        return dataSource;
    }

    public Admin admin() {
        return admin;
    }

    public FakeTwilioServer twilio() {
        return twilio;
    }

    public FakeVapiServer vapi() {
        return vapi;
    }

    public ProviderFaults providerFaults() {
        return providerFaults;
    }

    public FakeSecrets secrets() {
        return secrets;
    }

    public StatusServer statusServer() {
        return statusServer;
    }

    public String provisionerGroup() {
        return context.source().get("PROVISIONER_GROUP_ID").orElseThrow();
    }

    public String projectorGroup() {
        return context.source().get("PROJECTOR_GROUP_ID").orElseThrow();
    }

    /** The reconciler's Kafka Streams application id (also its consumer group). */
    public String reconcilerApplicationId() {
        return context.source().get("RECONCILER_APPLICATION_ID").orElseThrow();
    }

    /** What makes this run's topic, group and slot names unique. */
    public String suffix() {
        return environment.suffix();
    }

    public String slotName() {
        return context.source().get("RELAY_SLOT_NAME").orElseThrow();
    }

    /** Stops the pipeline (its services in reverse start order), then the fake providers, and drops the replication slot. */
    @Override
    public void close() {
        closer.close();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Override
    public String toString() {
        return "PipelineUnderTest[" + environment.suffix() + "]";
    }

}

package com.voxanne.ssot.relay;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.metrics.KafkaClientMeters;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.Lifecycle;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.relay.config.RelayConnectorConfig;
import com.voxanne.ssot.relay.config.RelaySettings;
import com.voxanne.ssot.relay.engine.EngineSupervisor;
import com.voxanne.ssot.relay.engine.KafkaBatchWriter;
import com.voxanne.ssot.relay.engine.RecordMapper;
import com.voxanne.ssot.relay.metrics.DebeziumStreamingMetrics;
import com.voxanne.ssot.relay.metrics.InFlight;
import com.voxanne.ssot.relay.metrics.RelayMetrics;
import com.voxanne.ssot.relay.slot.ReplicationSlots;
import com.voxanne.ssot.relay.slot.SlotMonitor;
import com.voxanne.ssot.relay.slot.SlotState;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log-based relay: Postgres's write-ahead log is the single source of what happened, and this
 * service copies it to Kafka. The provisioner only writes rows (the outbox row in the same transaction
 * as the managed number); a Debezium engine reads the relay's replication slot, and every change goes to
 * Kafka with an idempotent acks=all producer before its WAL position is acknowledged. A restart resumes
 * from the committed position (offsets in Kafka), so delivery is at-least-once and consumers deduplicate
 * by the deterministic eventId.
 *
 * <p>Used by the CLI as {@code RelayService.create(context)} ({@code ./ssot run relay}, {@code up}).
 * {@link #start()} returns once the replication stream runs; if Postgres or Kafka go away later, the
 * engine is restarted with backoff and {@link #health()} says DEGRADED with the reason.
 */
public final class RelayService implements ManagedService {
    public static final String NAME = "relay";
    private static final Logger log = LoggerFactory.getLogger(RelayService.class);
    /** A batch waiting longer than this for Kafka makes the relay DEGRADED. */
    private static final Duration SLOW_ACK = Duration.ofSeconds(5);
    private static final Duration SLOT_RELEASE_TIMEOUT = Duration.ofSeconds(10);

    private final RelaySettings settings;
    private final KafkaClients kafka;
    private final DatabaseSettings database;
    private final MeterRegistry registry;
    private final Redactor redactor;
    private final InFlight inFlight = new InFlight(Clock.systemUTC());
    private final Lifecycle lifecycle = new Lifecycle(NAME);
    private final Closer closer = new Closer(NAME);
    // built by start(), read by health() from any thread
    private volatile HikariDataSource monitorPool;
    private volatile SlotMonitor monitor;
    private volatile EngineSupervisor supervisor;
    private volatile String configurationProblem;
    private volatile String walKeepLimit;

    /**
     * @param settings the relay's validated settings
     * @param kafka    Kafka client settings (bootstrap servers, security)
     * @param database where Postgres is (for the slot monitor; the engine uses {@code settings})
     * @param metrics  the process's meter registry
     * @param redactor scrubs secrets from anything the relay reports
     */
    private RelayService(RelaySettings settings, KafkaClients kafka, DatabaseSettings database, MeterRegistry metrics,
                         Redactor redactor) {
        this.settings = settings;
        this.kafka = kafka;
        this.database = database;
        this.registry = metrics;
        this.redactor = redactor;
    }

    /** The relay as the CLI builds it: every setting from the context (see {@link RelaySettings#from}). */
    public static RelayService create(ServiceContext context) {
        return new RelayService(RelaySettings.from(context), context.kafka(), context.database(), context.metrics(),
                context.redactor());
    }

    /**
     * Drops the relay's replication slot, for an operator retiring a relay for good (stop it first: a
     * dropped slot loses every change not yet relayed, and the next start snapshots the tables again)
     * and for tests.
     *
     * @return true when a slot was dropped, false when there was none
     */
    public static boolean dropSlot(DatabaseSettings database, String slotName)
            throws SQLException, InterruptedException, TimeoutException {
        return ReplicationSlots.drop(database, slotName, Duration.ofSeconds(30));
    }

    static Map<String, Object> producerProperties(KafkaClients kafka, RelaySettings settings) {
        Map<String, Object> props = kafka.producer("ssot-relay-" + settings.slotName());
        long send = settings.sendTimeout().toMillis();
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) send);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, send / 2 - 10));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, send);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        // The writer sends a whole batch and then waits for it: lingering would only add to every batch's latency.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return props;
    }

    @Override
    public String name() {
        return NAME;
    }

    public RelaySettings settings() {
        return settings;
    }

    /**
     * Starts the engine and returns once it streams from the slot (the initial snapshot, on a first
     * start, is done by then).
     *
     * @throws RelayStartException when it does not stream within RELAY_START_TIMEOUT; the relay is
     *                             closed by then
     */
    @Override
    public void start() throws InterruptedException {
        lifecycle.beginStart();
        log.info("Starting relay: {}", settings);
        try {
            openParts();
            refuseSlotOfAnotherDatabase();
            checkWalKeepLimit();
            awaitStreaming();
            lifecycle.running();
        } catch (RuntimeException | InterruptedException e) {
            Closer.closeAfter(e, this);
            throw e;
        }
    }

    /**
     * The slot monitor (its own pool and admin client), the metrics and the engine supervisor, registered to close in
     * reverse: the engine first (committing only what Kafka acknowledged), then, unless the slot is another database's,
     * a wait until Postgres has released the slot (so a relay started next can take it at once), then the rest.
     */
    private void openParts() {
        monitorPool = closer.register("close the monitor pool", database.pool("ssot-relay-monitor", 1));
        Map<String, Object> adminProps = kafka.common();
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "ssot-relay-monitor-" + settings.slotName());
        AdminClient admin = AdminClient.create(adminProps);
        closer.onClose("close the monitor's admin client", () -> admin.close(Duration.ofSeconds(5)));
        closer.register("unbind the monitor's admin client metrics", KafkaClientMeters.bind(registry, admin));
        SlotMonitor slots = closer.register("stop the slot monitor",
                new SlotMonitor(monitorPool, admin, settings.slotName(), settings.monitorInterval(), redactor));
        monitor = slots;
        RelayMetrics metrics = new RelayMetrics(registry, settings.slotName(), slots::lagBytes, inFlight);
        closer.onClose("remove the relay metrics", metrics::close);
        metrics.expectDeadLetters(settings.topics().numbersProvisioned(), settings.topics().managedNumbers(),
                settings.topics().orgCredentials());
        DebeziumStreamingMetrics debezium = new DebeziumStreamingMetrics(settings.topicPrefix());
        debezium.bindTo(registry);
        closer.register("remove the Debezium streaming metrics", debezium);
        RecordMapper mapper = new RecordMapper(settings.topics(), settings.topicPrefix());
        Map<String, Object> producerProps = producerProperties(kafka, settings);
        closer.onClose("wait for the slot to be released", () -> {
            if (configurationProblem == null) { // else the slot of that name is another database's: not ours to wait for
                awaitSlotReleased(SLOT_RELEASE_TIMEOUT);
            }
        });
        supervisor = closer.register("stop the CDC engine", new EngineSupervisor(
                settings.slotName(),
                RelayConnectorConfig.engine(settings, kafka.common()),
                () -> KafkaClientMeters.producer(registry, producerProps, new ByteArraySerializer(), new ByteArraySerializer()),
                producer -> new KafkaBatchWriter(producer, mapper, metrics, inFlight, settings.sendTimeout(), redactor),
                settings.restartBackoff(),
                metrics,
                redactor));
        EngineSupervisor engine = supervisor;
        metrics.bindConnected(() -> engine.phase() == EngineSupervisor.Phase.RUNNING && slots.slot().active());
    }

    private void awaitStreaming() throws InterruptedException {
        // A walsender still holding the slot (a previous relay shutting down) does not count as ours.
        int stalePid = monitor.sampleSlot().activePid();
        supervisor.start();
        monitor.start();
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        while (true) {
            if (supervisor.phase() == EngineSupervisor.Phase.RUNNING) {
                SlotState slot = monitor.sampleSlot();
                if (slot.active() && slot.activePid() != stalePid) {
                    log.info("Relay streaming from slot {} (publication {}) to {}", settings.slotName(),
                            settings.publication(), settings.topics());
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                String why = supervisor.lastProblem() != null ? supervisor.lastProblem()
                        : monitor.databaseProblem() != null ? monitor.databaseProblem()
                        : monitor.kafkaProblem() != null ? monitor.kafkaProblem()
                        : "engine " + supervisor.phase() + ", slot " + monitor.slot();
                throw new RelayStartException("relay did not start streaming from slot " + settings.slotName() + " within "
                        + settings.startTimeout() + ": " + why);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /** A configuration error is said once and ends the start (health DOWN with it), instead of a restart loop. */
    private void refuseSlotOfAnotherDatabase() {
        Optional<String> conflict;
        try (Connection c = monitorPool.getConnection()) {
            try {
                conflict = ReplicationSlots.conflict(c, settings.slotName(), "RELAY_SLOT_NAME");
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            return; // Postgres not reachable yet: the engine's start retries and reports it
        }
        if (conflict.isPresent()) {
            configurationProblem = conflict.get();
            log.error("Relay not started: {}", configurationProblem);
            throw new RelayStartException(configurationProblem);
        }
    }

    /**
     * An unlimited {@code max_slot_wal_keep_size} lets a relay that stops moving fill the database's disk with WAL: said
     * once at start (health shows the limit), not refused, since the server's setting is the DBA's call.
     */
    private void checkWalKeepLimit() {
        try (Connection c = monitorPool.getConnection()) {
            try {
                walKeepLimit = ReplicationSlots.walKeepLimit(c);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            return; // Postgres not reachable yet: the engine's start retries and reports it
        }
        if ("-1".equals(walKeepLimit)) {
            log.warn("PostgreSQL's max_slot_wal_keep_size is unlimited: if the relay stops moving, slot {} keeps WAL until"
                    + " the disk is full. Set it (docker-compose sets 16GB) and alarm on ssot_relay_slot_lag_bytes"
                    + " (health turns DEGRADED above RELAY_SLOT_LAG_ALARM_BYTES={})", settings.slotName(),
                    settings.slotLagAlarmBytes());
        }
    }

    /**
     * UP while streaming; DEGRADED (with the reason) while the engine restarts, Postgres or Kafka do not
     * answer, Kafka is slow to acknowledge, or the slot is not streaming; DOWN before start and after close.
     */
    @Override
    public ComponentHealth health() {
        if (lifecycle.state() == Lifecycle.State.NEW) {
            return ComponentHealth.down("not started");
        }
        if (configurationProblem != null) {
            return ComponentHealth.down(configurationProblem);
        }
        if (lifecycle.isClosed()) {
            return ComponentHealth.down("stopped");
        }
        EngineSupervisor supervisor = this.supervisor;
        SlotMonitor monitor = this.monitor;
        if (supervisor == null || monitor == null) {
            return ComponentHealth.down("starting");
        }
        EngineSupervisor.Phase phase = supervisor.phase();
        List<String> problems = new ArrayList<>();
        if (phase == EngineSupervisor.Phase.RESTARTING) {
            problems.add("restarting the CDC engine after: " + supervisor.lastProblem());
        } else if (phase != EngineSupervisor.Phase.RUNNING) {
            problems.add("CDC engine " + phase.name().toLowerCase(Locale.ROOT)
                    + (supervisor.lastProblem() == null ? "" : " (last problem: " + supervisor.lastProblem() + ")"));
        }
        if (monitor.databaseProblem() != null) {
            problems.add(monitor.databaseProblem());
        }
        if (monitor.kafkaProblem() != null) {
            problems.add(monitor.kafkaProblem());
        }
        if (!problems.isEmpty()) {
            return ComponentHealth.degraded(String.join("; ", problems));
        }
        long waiting = inFlight.waitingMillis();
        if (waiting > SLOW_ACK.toMillis()) {
            return ComponentHealth.degraded("waiting " + waiting + " ms for Kafka to acknowledge " + inFlight.records()
                    + " records");
        }
        SlotState slot = monitor.slot();
        if (slot.lostWal()) {
            return ComponentHealth.down("replication slot " + settings.slotName() + " lost WAL it had not relayed"
                    + " (max_slot_wal_keep_size " + walKeepLimit + " exceeded): those changes are not in Kafka; drop and"
                    + " recreate the slot, then backfill (./ssot backfill --from-managed-numbers)");
        }
        if (!slot.active()) {
            return ComponentHealth.degraded("replication slot " + settings.slotName() + " is not streaming");
        }
        if (slot.lagBytes() > settings.slotLagAlarmBytes() || slot.aboutToLoseWal()) {
            return ComponentHealth.degraded("replication slot " + settings.slotName() + " keeps " + slot.lagBytes()
                    + " bytes of WAL (alarm above RELAY_SLOT_LAG_ALARM_BYTES=" + settings.slotLagAlarmBytes() + ", wal_status "
                    + slot.walStatus() + ", max_slot_wal_keep_size " + walKeepLimit + ")");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("slot", settings.slotName());
        details.put("slotLagBytes", slot.lagBytes());
        details.put("confirmedFlushLsn", String.valueOf(slot.confirmedFlushLsn()));
        details.put("walStatus", String.valueOf(slot.walStatus()));
        details.put("maxSlotWalKeepSize", String.valueOf(walKeepLimit));
        details.put("oldestUnrelayedAgeMs", inFlight.oldestUnrelayedAgeMillis());
        return ComponentHealth.up(details);
    }

    /** Closes what {@link #start()} opened, in reverse (see {@code openParts}). Idempotent. */
    @Override
    public void close() {
        if (!lifecycle.beginClose()) {
            return;
        }
        closer.close();
        log.info("Relay for slot {} stopped", settings.slotName());
    }

    private void awaitSlotReleased(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (monitor.sampleSlot().active() && monitor.databaseProblem() == null) {
                if (System.nanoTime() > deadline) {
                    log.warn("Replication slot {} still active {} after the relay stopped", settings.slotName(), timeout);
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

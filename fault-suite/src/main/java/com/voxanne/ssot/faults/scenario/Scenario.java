package com.voxanne.ssot.faults.scenario;

import com.voxanne.ssot.faults.inject.InputTopic;
import com.voxanne.ssot.faults.inject.ProviderFaults;
import com.voxanne.ssot.faults.inject.MalformedRecord;
import com.voxanne.ssot.faults.inject.MalformedRecords;
import com.voxanne.ssot.faults.schedule.FaultSchedule;
import com.voxanne.ssot.faults.schedule.PlannedFault;
import com.voxanne.ssot.faults.schedule.ScenarioSettings;
import com.voxanne.ssot.faults.system.PipelineUnderTest;
import com.voxanne.ssot.faults.system.PipelineUnderTest.Disruption;
import com.voxanne.ssot.faults.system.TopicReader;
import com.voxanne.ssot.faults.system.Waits;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.projector.backfill.Backfill;
import com.voxanne.ssot.projector.backfill.BackfillListener;
import com.voxanne.ssot.projector.backfill.BackfillSummary;
import com.voxanne.ssot.projector.backfill.StartFrom;
import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import org.apache.kafka.common.serialization.Deserializer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Jepsen-style run: a steady stream of provisioning requests while the {@link FaultSchedule} is injected, one fault
 * after another; then the pipeline is left to settle, SSOT rows are deleted behind its back (each must open a
 * violation), the SSOT is repaired by a backfill (each must resolve), and canary requests prove every consumer went
 * on. The scenario never asserts: it records what it did in the {@link Ledger} and the checker judges the final state.
 */
public final class Scenario {
    private static final Logger log = LoggerFactory.getLogger(Scenario.class);
    private static final Duration TRAP_WAIT = Duration.ofSeconds(20);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(250);

    private final PipelineUnderTest pipeline;
    private final ScenarioSettings settings;
    private final FaultSchedule schedule;
    private final Ledger ledger;
    private final Consumer<String> progress;
    private final Random random;
    private final MalformedRecords malformed;
    private final Deserializer<SsotViolation> violations;
    private final AvroSerde<NumberProvisioned> events = AvroSerde.of(NumberProvisioned.class);

    public Scenario(PipelineUnderTest pipeline, ScenarioSettings settings, FaultSchedule schedule, Consumer<String> progress) {
        this.pipeline = pipeline;
        this.violations = pipeline.topics().violations().valueSerde().deserializer();
        this.settings = settings;
        this.schedule = schedule;
        this.ledger = new Ledger(schedule.seed(), settings.name());
        this.progress = progress;
        this.random = new Random(schedule.seed() ^ 0x5DEECE66DL);
        this.malformed = new MalformedRecords(pipeline.topics());
    }

    /** Runs every phase; returns the ledger (also when a phase timed out: that is noted, and judged by the checker). */
    public Ledger run() throws Exception {
        ledger.started(Instant.now());
        createOrganizations();
        try (RecordPublisher publisher = new RecordPublisher(pipeline.kafka(), "fault-suite-publisher",
                pipeline.topics().provisioningRequests().valueSerde().serializer(),
                pipeline.topics().releaseRequests().valueSerde().serializer())) {
            SteadyLoad load = new SteadyLoad(publisher, pipeline.topics().provisioningRequests().name(), ledger.organizations(), ledger,
                    settings.requestInterval(), schedule.seed(), this::activeNumberOf);
            Thread loadThread = new Thread(load, "fault-suite-load");
            loadThread.setDaemon(true);
            loadThread.start();
            try {
                awaitCount("the first " + settings.warmUpResults() + " provisioned numbers", settings.warmUpResults(),
                        "SELECT count(*) FROM managed_phone_numbers", Duration.ofSeconds(90));
                progress.accept("Injecting " + schedule.size() + " faults (seed " + schedule.seed() + ") into a steady request stream");
                for (PlannedFault fault : schedule.faults()) {
                    inject(fault, publisher);
                    Waits.pause(between(settings.pauseMin(), settings.pauseMax()));
                    if ((fault.index() + 1) % 20 == 0) {
                        progress.accept("  " + (fault.index() + 1) + "/" + schedule.size() + " faults injected, " + load.sent() + " requests sent");
                    }
                }
            } finally {
                if (!load.stop(Duration.ofSeconds(200))) {
                    ledger.note("the request stream did not stop within 200 s");
                }
                pipeline.providerFaults().clear();
            }
            progress.accept("Fault phase over: " + load.sent() + " requests and " + load.released() + " releases sent;"
                    + " letting the pipeline settle");
            settle();
            loseAndRepairSsotRows();
            injectAndRemoveStaleSsotRows();
            sendCanaries(publisher);
        }
        ledger.finished(Instant.now());
        return ledger;
    }

    // ---------------------------------------------------------------- setup

    private void createOrganizations() throws SQLException {
        DemoSeed.apply(pipeline.dataSource());
        for (DemoSeed.Org org : DemoSeed.ORGS) {
            ledger.organization(new Ledger.Organization(org.id().toString(), org.name(), org.email()));
        }
        try (Connection c = pipeline.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO organizations (id, name, email) VALUES (?, ?, ?)")) {
            for (int i = 1; i <= settings.organizations(); i++) {
                UUID id = new UUID(random.nextLong(), random.nextLong());
                String name = "Fault Suite Clinic " + i;
                String email = "clinic-" + i + "-" + id.toString().substring(0, 8) + "@faults.example";
                ps.setObject(1, id);
                ps.setString(2, name);
                ps.setString(3, email);
                ps.addBatch();
                ledger.organization(new Ledger.Organization(id.toString(), name, email));
            }
            ps.executeBatch();
            c.commit();
        }
    }

    // ---------------------------------------------------------------- faults

    private void inject(PlannedFault fault, RecordPublisher publisher) throws Exception {
        Random r = new Random(fault.salt());
        Instant started = Instant.now();
        log.info("Injecting fault {}: {}", fault, fault.kind().description());
        Disruption outcome;
        try {
            outcome = switch (fault.kind()) {
                case KILL_PROVISIONER_AFTER_SEARCH -> pipeline.killProvisionerAt(SagaCheckpoint.NUMBER_CHOSEN, TRAP_WAIT);
                case KILL_PROVISIONER_AFTER_PURCHASE_ANSWER -> pipeline.killProvisionerAt(SagaCheckpoint.PURCHASE_RESPONDED, TRAP_WAIT);
                case KILL_PROVISIONER_AFTER_PURCHASE_STORED -> pipeline.killProvisionerAt(SagaCheckpoint.PURCHASED, TRAP_WAIT);
                case KILL_PROVISIONER_AFTER_IMPORT_ANSWER -> pipeline.killProvisionerAt(SagaCheckpoint.IMPORT_RESPONDED, TRAP_WAIT);
                case KILL_PROVISIONER_AFTER_IMPORT_STORED -> pipeline.killProvisionerAt(SagaCheckpoint.IMPORTED, TRAP_WAIT);
                case KILL_PROVISIONER_BEFORE_DB_COMMIT -> pipeline.killProvisionerAt(SagaCheckpoint.BEFORE_COMMIT, TRAP_WAIT);
                case KILL_PROVISIONER_AFTER_DB_COMMIT -> pipeline.killProvisionerAt(SagaCheckpoint.COMPLETED, TRAP_WAIT);
                case KILL_PROVISIONER_BEFORE_OFFSET_COMMIT -> pipeline.restartProvisionerWithLostOffsets(20, r);
                case KILL_PROJECTOR_BETWEEN_COMMITS -> pipeline.killProjectorBetweenCommits(TRAP_WAIT);
                case KILL_RELAY_CONNECTION -> pipeline.killRelayConnection();
                case RESTART_RELAY -> pipeline.restartRelay();
                case RESTART_RECONCILER -> pipeline.restartReconciler(false);
                case RESTART_RECONCILER_LOST_STATE -> pipeline.restartReconciler(true);
                case RESTART_KAFKA -> pipeline.restartKafka();
                case STOP_POSTGRES -> pipeline.stopPostgres(Duration.ofMillis(1000 + r.nextInt(3000)));
                case RESTART_SCHEMA_REGISTRY -> pipeline.restartSchemaRegistry(Duration.ofMillis(2000 + r.nextInt(4000)));
                case DUPLICATE_REQUEST -> duplicateRequest(publisher, r);
                case REPLAY_EVENT -> replayEvent(publisher, r);
                case REPLAY_EVENT_LOG -> pipeline.replayEventLog();
                case OUT_OF_ORDER_EVENT -> staleEvent(publisher, r);
                case MALFORMED_REQUEST, MALFORMED_EVENT, MALFORMED_CDC_MANAGED, MALFORMED_CDC_SSOT -> malformed(fault, publisher, r);
                case PROVIDER_SLOWNESS -> slowProviders(r);
                case STALLED_WORKER_BEFORE_PURCHASE -> pipeline.stallProvisionerAt(SagaCheckpoint.PURCHASE_SENDING,
                        PipelineUnderTest.LEASE.plusSeconds(2), TRAP_WAIT);
                case TWILIO_PURCHASE_TIMEOUT_THEN_NOT_AVAILABLE -> purchaseTimeoutThenNotAvailable();
                case NUMBER_TAKEN_BY_ANOTHER_BUYER -> pipeline.stealNextChosenNumber(TRAP_WAIT, ledger::stolen);
                case BROKEN_TWILIO_CREDENTIALS -> brokenCredentials(ProviderFaults.Provider.TWILIO, r);
                case BROKEN_VAPI_KEY -> brokenCredentials(ProviderFaults.Provider.VAPI, r);
                case THROTTLE_STORM -> new Disruption(true, pipeline.providerFaults().throttleStorm(r));
                case KILL_PROVISIONER_AFTER_RELEASE_VALIDATED -> killDuringRelease(publisher, SagaCheckpoint.RELEASE_VALIDATED, r);
                case KILL_PROVISIONER_AFTER_VAPI_DELETE_ANSWER -> killDuringRelease(publisher, SagaCheckpoint.VAPI_DELETE_RESPONDED, r);
                case KILL_PROVISIONER_AFTER_VAPI_DELETED -> killDuringRelease(publisher, SagaCheckpoint.VAPI_DELETED, r);
                case KILL_PROVISIONER_AFTER_TWILIO_RELEASE_ANSWER -> killDuringRelease(publisher, SagaCheckpoint.TWILIO_RELEASE_RESPONDED, r);
                case KILL_PROVISIONER_AFTER_TWILIO_RELEASED -> killDuringRelease(publisher, SagaCheckpoint.TWILIO_RELEASED, r);
                case KILL_PROVISIONER_BEFORE_RELEASE_COMMIT -> killDuringRelease(publisher, SagaCheckpoint.RELEASE_BEFORE_COMMIT, r);
                case KILL_PROVISIONER_AFTER_RELEASE_COMMIT -> killDuringRelease(publisher, SagaCheckpoint.RELEASED, r);
                case DUPLICATE_RELEASE_REQUEST -> duplicateRelease(publisher, r);
                case OUT_OF_ORDER_RELEASE -> outOfOrderRelease(publisher, r);
                case RELEASE_RACING_REPLAYED_PROVISION -> releaseRacingReplay(publisher, r);
                case SSOT_LOSS, STALE_SSOT_ROW -> throw new IllegalStateException(fault.kind() + " is not scheduled");
                default -> {
                    pipeline.providerFaults().arm(fault.kind());
                    yield new Disruption(true, "armed for the next call");
                }
            };
        } catch (Exception e) {
            throw new FaultInjectionException("injecting fault " + fault + " (" + fault.kind().description() + ") failed", e);
        }
        Instant ended = Instant.now();
        Duration recovery = null;
        if (fault.kind().disruptive()) {
            Duration timeout = settings.recoveryTimeout();
            Waits.Outcome healthy = pipeline.awaitHealthy(timeout);
            // recovered = healthy AND a number provisioned after the fault has made it through relay and projector into the SSOT
            Waits.Outcome flowing = Waits.until("a number provisioned after " + fault + " in the SSOT", timeout, Duration.ofMillis(100),
                    () -> countOf(PROVISIONED_AND_PROJECTED_SINCE, Timestamp.from(ended)) > 0);
            if (healthy.met() && flowing.met()) {
                recovery = Duration.between(ended, Instant.now());
            } else {
                ledger.note("after " + fault + " the pipeline did not recover within " + timeout.toSeconds() + " s: "
                        + (healthy.met() ? "no new number reached the SSOT" : pipeline.unhealthy().orElse("not healthy")));
            }
        }
        ledger.injected(new Ledger.Injection(fault.index(), fault.kind(), fault.malformed().map(Enum::name).orElse(null), started, ended,
                outcome.triggered(), outcome.detail(), recovery));
        if (!outcome.triggered()) {
            ledger.note(fault + " hit nothing: " + outcome.detail());
        }
    }

    private Disruption duplicateRequest(RecordPublisher publisher, Random r) throws Exception {
        List<Ledger.SentRequest> sent = ledger.requests();
        if (sent.isEmpty()) {
            return new Disruption(false, "no request sent yet");
        }
        Ledger.SentRequest original = sent.get(r.nextInt(sent.size()));
        publisher.request(pipeline.topics().provisioningRequests().name(), original.request());
        ledger.duplicate(original.requestId());
        return new Disruption(true, "request " + original.requestId() + " sent again");
    }

    // ---------------------------------------------------------------- releases

    /**
     * An active managed number of {@code orgId} that no release was sent for yet, or empty. Only numbers whose provision
     * is finished qualify (an active row exists only then), so a release the run sends is one that must succeed.
     */
    private Optional<String> activeNumberOf(String orgId, Random r) throws SQLException {
        List<String> active = new ArrayList<>();
        try (Connection c = pipeline.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT phone_number FROM managed_phone_numbers WHERE status = 'active'"
                     + " AND org_id = ?::uuid ORDER BY phone_number")) {
            ps.setString(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    active.add(rs.getString(1));
                }
            }
            c.rollback();
        }
        Set<String> claimed = ledger.releases().stream().filter(rel -> rel.orgId().equals(orgId)).map(Ledger.SentRelease::phoneNumber)
                .collect(Collectors.toSet());
        List<String> free = active.stream().filter(p -> !claimed.contains(p)).toList();
        return free.isEmpty() ? Optional.empty() : Optional.of(free.get(r.nextInt(free.size())));
    }

    /** Sends a release of an active number of some organisation (the fault's own, besides the load's); empty when none has one. */
    private Optional<Ledger.SentRelease> sendRelease(RecordPublisher publisher, Random r, String by) throws Exception {
        List<Ledger.Organization> orgs = new ArrayList<>(ledger.organizations());
        Collections.shuffle(orgs, r);
        for (Ledger.Organization org : orgs) {
            Optional<String> phone = activeNumberOf(org.id(), r);
            if (phone.isPresent() && ledger.claimRelease(org.id(), phone.get())) {
                ReleaseNumberRequest release = SteadyLoad.release(org.id(), phone.get(), by);
                publisher.release(pipeline.topics().releaseRequests().name(), release);
                Ledger.SentRelease sent = new Ledger.SentRelease(release, Instant.now(), by);
                ledger.releaseSent(sent);
                return Optional.of(sent);
            }
        }
        return Optional.empty();
    }

    /**
     * Arms the kill at a release checkpoint, then sends a release of its own so one saga is certain to reach it (the
     * load's releases may reach it first: either is a release killed there).
     */
    private Disruption killDuringRelease(RecordPublisher publisher, SagaCheckpoint checkpoint, Random r) throws Exception {
        Thread sender = new Thread(() -> {
            try {
                Waits.pause(Duration.ofMillis(200));
                sendRelease(publisher, r, "kill at " + checkpoint);
            } catch (Exception e) {
                ledger.note("the release for the kill at " + checkpoint + " could not be sent: " + e.getClass().getSimpleName());
            }
        }, "fault-suite-release-for-kill");
        sender.setDaemon(true);
        sender.start();
        try {
            return pipeline.killProvisionerAt(checkpoint, TRAP_WAIT);
        } finally {
            sender.join(TRAP_WAIT.toMillis());
        }
    }

    private Disruption duplicateRelease(RecordPublisher publisher, Random r) throws Exception {
        List<Ledger.SentRelease> sent = ledger.releases();
        if (sent.isEmpty()) {
            return new Disruption(false, "no release sent yet");
        }
        Ledger.SentRelease original = sent.get(r.nextInt(sent.size()));
        publisher.release(pipeline.topics().releaseRequests().name(), original.request());
        ledger.releaseDuplicate(original.requestId());
        return new Disruption(true, "release " + original.requestId() + " sent again");
    }

    /**
     * Out of order, as per-org ordering allows it: requests of one org are handled in topic order, so the only way a
     * release arrives "late" is an older one delivered again behind newer requests of its org. Here a new provision of
     * the org goes first, then a release the org sent earlier (same requestId): the old release must be answered with
     * its stored result and take nothing away, the new number must stay.
     */
    private Disruption outOfOrderRelease(RecordPublisher publisher, Random r) throws Exception {
        List<Ledger.SentRelease> sent = ledger.releases();
        if (sent.isEmpty()) {
            return new Disruption(false, "no release sent yet");
        }
        Ledger.SentRelease old = sent.get(r.nextInt(sent.size()));
        ProvisionNumberRequest newer = SteadyLoad.request(old.orgId(), r, r.nextInt(1000));
        publisher.request(pipeline.topics().provisioningRequests().name(), newer);
        ledger.sent(new Ledger.SentRequest(newer, Instant.now(), false));
        publisher.release(pipeline.topics().releaseRequests().name(), old.request());
        ledger.releaseDuplicate(old.requestId());
        return new Disruption(true, "provision " + newer.getRequestId() + ", then the older release " + old.requestId() + " again");
    }

    /**
     * A release sent, then the projector rewound to the start of the event log at once: the number's NumberProvisioned
     * is replayed around the release's NumberReleased, and an SSOT row must not come back for it.
     */
    private Disruption releaseRacingReplay(RecordPublisher publisher, Random r) throws Exception {
        Optional<Ledger.SentRelease> release = sendRelease(publisher, r, "racing a replay");
        Disruption replay = pipeline.replayEventLog();
        return new Disruption(release.isPresent() && replay.triggered(), release.map(rel -> "release of " + rel.phoneNumber())
                .orElse("no number to release") + "; " + replay.detail());
    }

    private Disruption replayEvent(RecordPublisher publisher, Random r) throws Exception {
        String topic = pipeline.topics().numbersProvisioned().name();
        List<ConsumerRecord<byte[], byte[]>> eventLog = TopicReader.readAll(pipeline.kafka(), topic, READ_TIMEOUT).stream()
                .filter(rec -> rec.headers().lastHeader(MalformedRecord.ID_HEADER) == null && rec.value() != null)
                .toList();
        if (eventLog.isEmpty()) {
            return new Disruption(false, "the event log is empty");
        }
        ConsumerRecord<byte[], byte[]> old = eventLog.get(r.nextInt(eventLog.size()));
        Map<String, byte[]> headers = new HashMap<>();
        old.headers().forEach(h -> headers.put(h.key(), h.value()));
        publisher.raw(topic, old.key(), old.value(), headers);
        return new Disruption(true, "event at " + old.partition() + "@" + old.offset() + " published again");
    }

    /** An older NumberProvisioned for a number the SSOT already has, with another vapiPhoneId: it must not win. */
    private Disruption staleEvent(RecordPublisher publisher, Random r) throws Exception {
        List<Map<String, Object>> rows = query("SELECT org_id::text AS org, phone_number, twilio_sid, request_id, provisioned_at"
                + " FROM managed_phone_numbers WHERE status = 'active' AND request_id IS NOT NULL ORDER BY phone_number");
        if (rows.isEmpty()) {
            return new Disruption(false, "no managed number yet");
        }
        Map<String, Object> row = rows.get(r.nextInt(rows.size()));
        String requestId = (String) row.get("request_id");
        Instant provisionedAt = ((Timestamp) row.get("provisioned_at")).toInstant();
        String staleVapiId = "stale-" + UUID.randomUUID();
        NumberProvisioned stale = NumberProvisioned.newBuilder()
                .setEventId(EventIds.of("FaultSuiteStaleEvent", requestId, Long.toString(r.nextLong())))
                .setRequestId(requestId)
                .setOrgId((String) row.get("org"))
                .setPhoneNumber((String) row.get("phone_number"))
                .setTwilioSid((String) row.get("twilio_sid"))
                .setVapiPhoneId(staleVapiId)
                .setProvisionedAt(provisionedAt.minus(1, ChronoUnit.HOURS))
                .build();
        String topic = pipeline.topics().numbersProvisioned().name();
        publisher.raw(topic, stale.getOrgId().getBytes(StandardCharsets.UTF_8), events.serialize(topic, stale),
                Map.of("eventId", stale.getEventId().getBytes(StandardCharsets.UTF_8),
                        "eventType", "NumberProvisioned".getBytes(StandardCharsets.UTF_8)));
        ledger.stale(new Ledger.StaleEvent(stale.getOrgId(), stale.getPhoneNumber(), staleVapiId));
        return new Disruption(true, "stale event for " + stale.getPhoneNumber() + " (one hour older)");
    }

    private Disruption malformed(PlannedFault fault, RecordPublisher publisher, Random r) throws Exception {
        List<Ledger.Organization> orgs = ledger.organizations();
        String knownOrg = orgs.get(r.nextInt(orgs.size())).id();
        MalformedRecord record = malformed.build(InputTopic.of(fault.kind()), fault.variant(), knownOrg, r);
        RecordMetadata where = publisher.raw(record.topic(), record.key(), record.value(),
                Map.of(MalformedRecord.ID_HEADER, record.id().getBytes(StandardCharsets.UTF_8)));
        ledger.malformed(new Ledger.MalformedSent(record, where.partition(), where.offset(), Instant.now()));
        return new Disruption(true, record.kind().description() + " on " + record.topic() + " at " + where.partition() + "@" + where.offset());
    }

    private Disruption slowProviders(Random r) throws InterruptedException {
        Duration latency = Duration.ofMillis(300 + r.nextInt(600));
        Duration window = Duration.ofMillis(2000 + r.nextInt(3000));
        pipeline.providerFaults().slow(latency);
        try {
            Waits.pause(window);
        } finally {
            pipeline.providerFaults().fast();
        }
        return new Disruption(true, "every provider call +" + latency.toMillis() + " ms for " + window.toMillis() + " ms");
    }

    /** Buy-then-timeout while reads lag behind purchases: holds the lag long enough for the saga's retries to meet it. */
    private Disruption purchaseTimeoutThenNotAvailable() throws InterruptedException {
        int before = pipeline.twilio().purchases();
        pipeline.providerFaults().purchaseTimeoutThenLaggingReads();
        try {
            Waits.Outcome bought = Waits.until("a purchase under the timeout fault", TRAP_WAIT, Duration.ofMillis(50),
                    () -> pipeline.twilio().purchases() > before);
            // the saga's read-back and retry run inside the lag; then reads catch up
            Waits.pause(ProviderFaults.HANG.plus(ProviderFaults.READ_BACK_LAG).plusSeconds(2));
            return new Disruption(bought.met(), bought.met() ? "a purchase bought, timed out, and stayed invisible for "
                    + ProviderFaults.READ_BACK_LAG.toSeconds() + " s" : "no purchase within " + TRAP_WAIT.toSeconds() + " s");
        } finally {
            pipeline.providerFaults().immediateReads();
        }
    }

    /**
     * {@code provider} refuses our credentials for 2-5 s. Meanwhile (and until the circuit closes after the credentials
     * work again) the provisioner's circuit is sampled, so the checker can tell whether a purchase started while it was open.
     */
    private Disruption brokenCredentials(ProviderFaults.Provider provider, Random r) throws InterruptedException {
        Duration window = Duration.ofMillis(2000 + r.nextInt(3000));
        CircuitWatch watch = new CircuitWatch();
        pipeline.providerFaults().refuseCredentials(provider);
        Instant fixAt = Instant.now().plus(window);
        try {
            while (Instant.now().isBefore(fixAt)) {
                watch.sample();
                Thread.sleep(20);
            }
        } finally {
            pipeline.providerFaults().acceptCredentials();
        }
        Waits.Outcome closed = Waits.until("the provider circuit to close", Duration.ofSeconds(30), Duration.ofMillis(20), () -> {
            watch.sample();
            return !watch.open();
        });
        if (!closed.met()) {
            ledger.note("the provider circuit was still open 30 s after " + provider + " accepted our credentials again");
        }
        watch.finish();
        return new Disruption(watch.opened(), provider + " refused our credentials for " + window.toMillis() + " ms; circuit "
                + (watch.opened() ? "opened" : "never opened (no call in the window)"));
    }

    /** Samples the provisioner's circuit, recording each open period in the ledger. */
    private final class CircuitWatch {
        private Instant since;
        private String reason;
        private boolean opened;

        void sample() {
            var state = pipeline.provisionerCircuit().flatMap(c -> c.state());
            if (state.isPresent() && since == null) {
                since = state.get().since();
                reason = state.get().reason();
                opened = true;
            } else if (state.isEmpty() && since != null) {
                ledger.circuitOpen(new Ledger.CircuitOpen(since, Instant.now(), reason));
                since = null;
            }
        }

        boolean open() {
            return since != null;
        }

        boolean opened() {
            return opened;
        }

        void finish() {
            if (since != null) {
                ledger.circuitOpen(new Ledger.CircuitOpen(since, Instant.now(), reason));
                since = null;
            }
        }
    }

    // ---------------------------------------------------------------- after the faults

    private void settle() throws InterruptedException {
        List<String> ids = ledger.requestIdsAwaitingResults();
        Waits.Outcome finished = Waits.until("every request finished and its result published", settings.settleTimeout(), POLL,
                () -> unfinished(ids).isEmpty());
        if (!finished.met()) {
            ledger.note("settle: not finished after " + settings.settleTimeout().toSeconds() + " s: " + sample(unfinishedQuietly(ids))
                    + problem(finished));
        }
        Waits.Outcome projected = Waits.until("every managed number in the SSOT", settings.projectionTimeout(), POLL,
                () -> countOf(MISSING_SSOT_ROWS) == 0);
        if (!projected.met()) {
            ledger.note("settle: managed numbers still without an SSOT row after " + settings.projectionTimeout().toSeconds() + " s"
                    + problem(projected));
        }
        progress.accept("Settled in " + finished.took().toSeconds() + " s");
    }

    private static final String PROVISIONED_AND_PROJECTED_SINCE = "SELECT count(*) FROM managed_phone_numbers m"
            + " JOIN org_credentials c ON c.org_id = m.org_id AND c.provider = 'twilio' AND c.phone_number = m.phone_number"
            + " WHERE m.provisioned_at > ?";

    private static final String MISSING_SSOT_ROWS = "SELECT count(*) FROM managed_phone_numbers m WHERE m.status = 'active'"
            + " AND NOT EXISTS (SELECT 1 FROM org_credentials c WHERE c.org_id = m.org_id AND c.provider = 'twilio'"
            + " AND c.phone_number = m.phone_number)";

    /** The incident, on purpose: SSOT rows deleted behind the pipeline's back; each must open a violation, and resolve after a backfill. */
    private void loseAndRepairSsotRows() throws Exception {
        if (settings.ssotLosses() == 0) {
            return;
        }
        List<Map<String, Object>> numbers = query("SELECT org_id::text AS org, phone_number FROM managed_phone_numbers"
                + " WHERE status = 'active' ORDER BY phone_number");
        Collections.shuffle(numbers, random);
        List<Ledger.SsotLoss> losses = new ArrayList<>();
        for (Map<String, Object> n : numbers.subList(0, Math.min(settings.ssotLosses(), numbers.size()))) {
            String org = (String) n.get("org");
            String phone = (String) n.get("phone_number");
            int deleted = execute("DELETE FROM org_credentials WHERE org_id = ?::uuid AND provider = 'twilio' AND phone_number = ?", org, phone);
            Ledger.SsotLoss loss = new Ledger.SsotLoss(org, phone, Instant.now(), deleted);
            ledger.lost(loss);
            losses.add(loss);
        }
        progress.accept("Deleted " + losses.size() + " SSOT rows behind the pipeline's back; waiting for the violations");
        Set<String> keys = losses.stream().map(Ledger.SsotLoss::key).collect(Collectors.toSet());
        Waits.Outcome opened = Waits.until("a violation OPEN for every lost SSOT row", settings.grace().plusSeconds(60), Duration.ofMillis(500),
                () -> latestStates().entrySet().stream().filter(e -> keys.contains(e.getKey()) && e.getValue() == ViolationState.OPEN)
                        .count() == keys.size());
        if (!opened.met()) {
            ledger.note("not every lost SSOT row had an OPEN violation within " + settings.grace().plusSeconds(60).toSeconds() + " s");
        }
        progress.accept("Violations open after " + opened.took().toSeconds() + " s; repairing by backfill from the beginning");
        ledger.repairStarted(Instant.now());
        BackfillSummary summary = Backfill.fromContext(pipeline.context(), pipeline.dataSource())
                .run(StartFrom.beginning(), false, BackfillListener.NONE);
        ledger.repaired(summary);
        Waits.Outcome resolved = Waits.until("every violation RESOLVED", Duration.ofSeconds(60), Duration.ofMillis(500),
                () -> latestStates().entrySet().stream().filter(e -> keys.contains(e.getKey()) && e.getValue() == ViolationState.RESOLVED)
                        .count() == keys.size());
        if (!resolved.met()) {
            ledger.note("not every lost SSOT row's violation RESOLVED within 60 s of the backfill");
        }
        progress.accept("Backfill inserted " + summary.inserted() + " rows; violations resolved after " + resolved.took().toSeconds() + " s");
    }

    /**
     * Drift the other way: SSOT rows inserted for numbers nobody manages (as a bad script or a lost release would leave
     * them). Each must open one STALE_SSOT_ROW after the grace; the repair is to delete the row (what the operator's
     * runbook says for an offer with no number behind it), and then the violation must resolve.
     */
    private void injectAndRemoveStaleSsotRows() throws Exception {
        if (settings.ssotLosses() == 0) {
            return;
        }
        List<Ledger.Organization> orgs = ledger.organizations();
        List<Ledger.StaleRow> rows = new ArrayList<>();
        for (int i = 0; i < settings.ssotLosses(); i++) {
            String org = orgs.get(random.nextInt(orgs.size())).id();
            String phone = String.format("+1999555%04d", random.nextInt(10_000));
            int inserted = execute("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed)"
                    + " VALUES (?::uuid, 'twilio', ?, ?, ?, true) ON CONFLICT DO NOTHING", org, phone, "stale-" + UUID.randomUUID(),
                    "PNstale" + i);
            if (inserted == 1) {
                Ledger.StaleRow row = new Ledger.StaleRow(org, phone, Instant.now());
                ledger.staleRow(row);
                rows.add(row);
            }
        }
        progress.accept("Inserted " + rows.size() + " stale SSOT rows; waiting for STALE_SSOT_ROW");
        Set<String> keys = rows.stream().map(Ledger.StaleRow::key).collect(Collectors.toSet());
        Duration openTimeout = settings.grace().plusSeconds(60);
        Waits.Outcome opened = Waits.until("a violation OPEN for every stale SSOT row", openTimeout, Duration.ofMillis(500),
                () -> latestStates().entrySet().stream().filter(e -> keys.contains(e.getKey()) && e.getValue() == ViolationState.OPEN)
                        .count() == keys.size());
        if (!opened.met()) {
            ledger.note("not every stale SSOT row had an OPEN violation within " + openTimeout.toSeconds() + " s");
        }
        for (Ledger.StaleRow row : rows) {
            execute("DELETE FROM org_credentials WHERE org_id = ?::uuid AND provider = 'twilio' AND phone_number = ?", row.orgId(),
                    row.phoneNumber());
        }
        Waits.Outcome resolved = Waits.until("every stale row's violation RESOLVED", Duration.ofSeconds(60), Duration.ofMillis(500),
                () -> latestStates().entrySet().stream().filter(e -> keys.contains(e.getKey()) && e.getValue() == ViolationState.RESOLVED)
                        .count() == keys.size());
        if (!resolved.met()) {
            ledger.note("not every stale SSOT row's violation RESOLVED within 60 s of deleting the row");
        }
        progress.accept("Stale rows opened after " + opened.took().toSeconds() + " s, resolved " + resolved.took().toSeconds()
                + " s after their deletion");
    }

    /** Requests sent after everything else: a result and an SSOT row for each proves every consumer went on. */
    private void sendCanaries(RecordPublisher publisher) throws Exception {
        List<Ledger.Organization> orgs = ledger.organizations();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < settings.canaries(); i++) {
            ProvisionNumberRequest request = SteadyLoad.request(orgs.get(random.nextInt(orgs.size())).id(), random, i);
            publisher.request(pipeline.topics().provisioningRequests().name(), request);
            ledger.sent(new Ledger.SentRequest(request, Instant.now(), true));
            ids.add(request.getRequestId());
        }
        Waits.Outcome done = Waits.until("the canaries' results", Duration.ofSeconds(60), POLL, () -> unfinished(ids).isEmpty());
        Waits.Outcome projected = Waits.until("the canaries' SSOT rows", settings.canaryTimeout(), POLL,
                () -> countOf(MISSING_SSOT_ROWS) == 0);
        if (!done.met() || !projected.met()) {
            ledger.note("canaries: results " + (done.met() ? "in" : "MISSING") + ", SSOT rows " + (projected.met() ? "in" : "MISSING"));
        }
        // a missing SSOT row must have had the time to become a violation before the checker looks
        Waits.pause(settings.grace().plusSeconds(3));
        progress.accept("Canaries finished; checking invariants");
    }

    // ---------------------------------------------------------------- reading

    private Map<String, ViolationState> latestStates() {
        Map<String, ViolationState> latest = new HashMap<>();
        String topic = pipeline.topics().violations().name();
        for (ConsumerRecord<byte[], byte[]> rec : TopicReader.readAll(pipeline.kafka(), topic, READ_TIMEOUT)) {
            if (rec.key() == null) {
                continue;
            }
            String key = new String(rec.key(), StandardCharsets.UTF_8);
            if (rec.value() == null) {
                latest.remove(key);
            } else {
                latest.put(key, violations.deserialize(topic, rec.value()).getState());
            }
        }
        return latest;
    }

    private List<String> unfinished(List<String> ids) throws SQLException {
        Set<String> done = new HashSet<>();
        try (Connection c = pipeline.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT request_id FROM provisioning_requests WHERE request_id = ANY (?)"
                     + " AND state IN ('COMPLETED', 'FAILED', 'REJECTED') AND result_published")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    done.add(rs.getString(1));
                }
            }
            c.rollback();
        }
        return ids.stream().filter(id -> !done.contains(id)).toList();
    }

    private List<String> unfinishedQuietly(List<String> ids) {
        try {
            return unfinished(ids);
        } catch (SQLException e) {
            return List.of("(cannot read the saga table: " + e.getMessage() + ")");
        }
    }

    private void awaitCount(String what, int atLeast, String sql, Duration timeout) throws InterruptedException {
        Waits.Outcome o = Waits.until(what, timeout, POLL, () -> countOf(sql) >= atLeast);
        if (!o.met()) {
            ledger.note("warm-up: fewer than " + atLeast + " numbers provisioned within " + timeout.toSeconds() + " s");
        }
    }

    private long countOf(String sql, Object... args) throws SQLException {
        try (Connection c = pipeline.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long n = rs.getLong(1);
                c.rollback();
                return n;
            }
        }
    }

    private List<Map<String, Object>> query(String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = pipeline.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            c.rollback();
        }
        return rows;
    }

    private int execute(String sql, Object... args) throws SQLException {
        try (Connection c = pipeline.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            int n = ps.executeUpdate();
            c.commit();
            return n;
        }
    }

    private Duration between(Duration min, Duration max) {
        long span = max.toMillis() - min.toMillis();
        return min.plusMillis(span <= 0 ? 0 : random.nextLong(span + 1));
    }

    /** The last error a timed-out wait saw, redacted, for its note. */
    private String problem(Waits.Outcome outcome) {
        return outcome.lastProblem() == null ? "" : " (last error: " + pipeline.context().redactor().redact(outcome.lastProblem()) + ")";
    }

    private static String sample(List<String> ids) {
        return ids.size() + " " + (ids.size() > 5 ? ids.subList(0, 5) + "..." : ids);
    }

    public Ledger ledger() {
        return ledger;
    }

    /** A fault could not be injected (a service did not come back, for instance): the run stops here. */
    public static final class FaultInjectionException extends Exception {
        private static final long serialVersionUID = 1L;

        public FaultInjectionException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

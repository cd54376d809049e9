package com.voxanne.ssot.benchmarks.provisioning;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchWaits;
import com.voxanne.ssot.benchmarks.report.Format;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.benchmarks.report.Stats;
import com.voxanne.ssot.benchmarks.report.Target;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.saga.SagaMetrics;
import com.voxanne.ssot.provisioner.sim.SimulatedProviders;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Figure 2: provisioning through the assembled pipeline with the simulated Twilio and Vapi (their real HTTP
 * clients). Each phase starts fresh simulated providers and provisioner instance(s), publishes requests as an
 * upstream would (open loop at a fixed rate, or a backlog at once), and times every request from its publication to
 * its org_credentials row's COMMIT (PostgreSQL's commit timestamp, seen on the relay's change stream). The pipeline's
 * own overhead is that minus the time the request's saga spent in provider calls. Between phases the numbers bought
 * are marked released, so the next phase's fresh simulated Twilio can sell the same numbers again.
 */
public final class ProvisioningBench implements AutoCloseable {
    public static final String NUMBER = "2";
    private static final String GROUP_ID = "bench-provisioner";
    private static final List<String> AREA_CODES = areaCodes();
    private static final Duration PHASE_DRAIN = Duration.ofMinutes(3);
    private static final Duration IN_FLIGHT_SAMPLE = Duration.ofMillis(50);
    private static final Pattern EXECUTION_TIME = Pattern.compile("\"Execution Time\":\\s*([0-9.]+)");
    /**
     * The candidate query of the provisioner's claim (SagaLeases.CLAIM without its FOR UPDATE and UPDATE), run
     * read-only by the bench while a backlog waits, to time what every single claim costs.
     */
    /** Concurrent calls one provider account allows (Twilio's default), split over the instances that share it. */
    static final int PROVIDER_ACCOUNT_CONCURRENCY = ProvisionerSettings.DEFAULT_MAX_CONCURRENCY;
    private static final String CLAIM_PROBE = "EXPLAIN (ANALYZE, FORMAT JSON) SELECT p.request_id FROM provisioning_requests p"
            + " WHERE p.state IN ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING') AND p.next_attempt_at <= now()"
            + " AND (p.lease_until IS NULL OR p.lease_until < now()) AND NOT EXISTS (SELECT 1 FROM provisioning_requests o"
            + " WHERE o.org_id = p.org_id AND o.arrival_seq < p.arrival_seq"
            + " AND o.state IN ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING')) ORDER BY p.arrival_seq LIMIT 1";

    private final BenchPipeline pipeline;
    private final BenchSizes sizes;
    private final PrintStream progress;
    private final AtomicLong sequence = new AtomicLong();
    /** Mean sagas in flight / workers during each backlog phase with zero-latency providers. */
    private final List<Double> backlogOccupancy = new ArrayList<>();
    private final KafkaProducer<String, ProvisionNumberRequest> producer;

    public ProvisioningBench(BenchPipeline pipeline, BenchSizes sizes, PrintStream progress) {
        this.pipeline = pipeline;
        this.sizes = sizes;
        this.progress = progress;
        this.producer = new KafkaProducer<>(pipeline.context().kafka().producer("bench-upstream"), new StringSerializer(),
                pipeline.topics().provisioningRequests().valueSerde().serializer());
    }

    public static Section section(int runs, BenchSizes sizes) {
        int low = sizes.offeredLoads().get(0);
        int high = sizes.offeredLoads().get(1);
        String slow = Format.value(sizes.slowLatency().toMillis() / 1000.0, Format.SECONDS);
        return new Section(NUMBER, "Provisioning",
                "Requests are published to telephony.provisioning.requests (6 partitions) as an upstream would and timed to the"
                        + " COMMIT of their org_credentials row (PostgreSQL's commit timestamp, carried by the relay's change stream)."
                        + " The path: provisioner inbox -> saga (search, buy, import through the real twilio-java and Vapi HTTP clients"
                        + " against the simulated providers) -> managed_phone_numbers + outbox in one transaction -> relay ->"
                        + " projector -> org_credentials. Overhead = end to end minus the time that request's saga spent in provider"
                        + " calls (measured around the provisioner's Twilio and Vapi clients). Sustained throughput = a backlog"
                        + " published at once, drained at full speed (middle 80% of the commits).",
                runs)
                .figure("e2e1p50", "e2e at " + low + " req/s, p50", Format.MS)
                .figure("e2e1p95", "e2e at " + low + " req/s, p95", Format.MS)
                .figure("e2e1p99", "e2e at " + low + " req/s, p99", Format.MS)
                .figure("over1p50", "overhead at " + low + " req/s, p50", Format.MS)
                .figure("over1p99", "overhead at " + low + " req/s, p99", Format.MS, Target.atMost(100, Format.MS),
                        "See the breakdown above: the request passes five hand-offs, each with its own wait (Kafka poll and linger"
                                + " of the inbox, the dispatcher's claim, one synchronous COMMIT per saga step, the relay's WAL poll and"
                                + " the projector's poll and batch commit). Claiming straight from the inbox's transaction (no second"
                                + " claim round-trip), fewer per-step commits (persist only before a provider call whose effect matters)"
                                + " and lower poll/linger settings on the relay and projector shorten the tail; on 2 shared cores GC"
                                + " and the broker's own threads add the rest.")
                .figure("achieved1", "completed at " + low + " req/s offered", "/s")
                .figure("e2e2p50", "e2e at " + high + " req/s, p50", Format.MS)
                .figure("e2e2p95", "e2e at " + high + " req/s, p95", Format.MS)
                .figure("e2e2p99", "e2e at " + high + " req/s, p99", Format.MS)
                .figure("over2p99", "overhead at " + high + " req/s, p99", Format.MS)
                .figure("achieved2", "completed at " + high + " req/s offered", "/s")
                .figure("sustained", "sustained provisions/s (zero-latency providers)", "/s", Target.atLeast(500, "/s"),
                        "Each saga commits its state after every step (NUMBER_CHOSEN, attempt, PURCHASED, attempt, IMPORTED,"
                                + " COMPLETED + outbox) plus its share of a batched claim and the result: ~7 synchronous fsync'd commits per"
                                + " provision on one disk, shared with the projector and the WAL reader. Group commit (more workers,"
                                + " commit_delay) or fewer state writes per saga (one per provider call) and more PROVISIONER_WORKERS"
                                + " would raise it; see the step timings above.")
                .figure("slowSustained", "sustained provisions/s with " + slow + " per provider call", "/s",
                        Target.atLeast(100, "/s"),
                        "Every provision makes three sequential provider calls: two to Twilio (search, purchase) and one to"
                                + " Vapi (import). With at most " + PROVIDER_ACCOUNT_CONCURRENCY + " calls in flight per provider"
                                + " account (PROVISIONER_TWILIO_MAX_CONCURRENCY / PROVISIONER_VAPI_MAX_CONCURRENCY) and " + slow
                                + " per call, Twilio serves at most " + PROVIDER_ACCOUNT_CONCURRENCY + " calls/s, i.e. "
                                + PROVIDER_ACCOUNT_CONCURRENCY / 2 + " sagas/s at two calls each: the target is out of reach"
                                + " while every saga makes its own search. One search returning several candidate numbers of an"
                                + " area code, reused (each still bought by exact E.164 and recorded before the purchase) by the"
                                + " next sagas of that area code, brings Twilio to ~1 call per saga and the ceiling to "
                                + PROVIDER_ACCOUNT_CONCURRENCY + "/s (Vapi's 1 call per saga is the same bound); past that only"
                                + " a higher account limit helps.")
                .figure("slowE2eP50", "e2e with " + slow + " per provider call, p50", Format.MS);
    }

    public void describe(Section section) {
        section.setting(String.format(Locale.ROOT, "%,d organisations; requests round-robin over them and over %d area codes (one org's"
                + " requests are serial; different orgs run concurrently)", pipeline.orgIds().size(), AREA_CODES.size()));
        section.setting(String.format(Locale.ROOT, "offered loads %s req/s, %d s each, open loop; PROVISIONER_WORKERS=%d, 1 instance,"
                        + " zero-latency simulated providers; backlog of %,d requests for the sustained figure",
                sizes.offeredLoads(), sizes.loadDuration().toSeconds(), sizes.fastWorkers(), sizes.backlogRequests()));
        section.setting(String.format(Locale.ROOT, "slow providers: %d ms added to every Twilio and Vapi call (FaultPlan latency), backlog"
                        + " of %,d requests, %d provisioner instance(s) x PROVISIONER_WORKERS=%d in one consumer group,"
                        + " at most %d calls in flight per provider account (PROVISIONER_TWILIO_MAX_CONCURRENCY and"
                        + " PROVISIONER_VAPI_MAX_CONCURRENCY = %d per instance)",
                sizes.slowLatency().toMillis(), sizes.slowRequests(), sizes.slowInstances(), sizes.slowWorkers(),
                PROVIDER_ACCOUNT_CONCURRENCY, PROVIDER_ACCOUNT_CONCURRENCY / sizes.slowInstances()));
        section.setting("pipeline: relay, projector and reconciler with their defaults (SSOT_GRACE=" + sizes.grace().toMillis()
                + "ms), all in the bench JVM with the broker; PostgreSQL is a separate process");
    }

    /** An untimed phase at the lower load first, so the first run does not pay for class loading and the JIT. */
    public void warmUp() throws Exception {
        int rate = sizes.offeredLoads().get(0);
        phase("warm-up", (int) Math.round(rate * sizes.loadDuration().toMillis() / 1000.0), rate, Duration.ZERO, 1,
                sizes.fastWorkers());
    }

    public void run(int run, Section section) throws Exception {
        double seconds = sizes.loadDuration().toMillis() / 1000.0;
        for (int k = 0; k < 2; k++) {
            int rate = sizes.offeredLoads().get(k);
            Phase p = phase("load" + (k + 1) + "-r" + run, (int) Math.round(rate * seconds), rate, Duration.ZERO, 1,
                    sizes.fastWorkers());
            String f = Integer.toString(k + 1);
            section.put("e2e" + f + "p50", run, p.e2e().median());
            section.put("e2e" + f + "p95", run, p.e2e().percentile(95));
            section.put("e2e" + f + "p99", run, p.e2e().percentile(99));
            if (k == 0) {
                section.put("over1p50", run, p.overhead().median());
            }
            section.put("over" + f + "p99", run, p.overhead().percentile(99));
            section.put("achieved" + f, run, p.rate());
            section.profile(p.describe(run, rate + " req/s"));
        }
        Phase backlog = phase("backlog-r" + run, sizes.backlogRequests(), 0, Duration.ZERO, 1, sizes.fastWorkers());
        backlogOccupancy.add(backlog.meanInFlight() / backlog.workers());
        section.put("sustained", run, backlog.rate());
        section.profile(backlog.describe(run, "backlog"));
        Phase slow = phase("slow-r" + run, sizes.slowRequests(), 0, sizes.slowLatency(), sizes.slowInstances(), sizes.slowWorkers());
        section.put("slowSustained", run, slow.rate());
        section.put("slowE2eP50", run, slow.e2e().median());
        section.profile(slow.describe(run, "backlog, " + sizes.slowLatency().toMillis() + " ms per provider call"));
        progress.printf(Locale.ROOT, "  run %d: overhead p99 %.1f ms at %d req/s, sustained %,.0f/s, with slow providers %,.0f/s%n",
                run + 1, section.get("over1p99", run), sizes.offeredLoads().get(0), backlog.rate(), slow.rate());
    }

    /**
     * Provisions/s of {@code instances} provisioners in one consumer group (zero-latency providers, PROVISIONER_WORKERS
     * of the sustained figure each) draining a backlog of the sustained figure's size.
     */
    public double backlogRate(String label, int instances) throws Exception {
        return phase(label, sizes.backlogRequests(), 0, Duration.ZERO, instances, sizes.fastWorkers()).rate();
    }

    /**
     * Says what would close the sustained-throughput gap, from what the runs showed: workers mostly idle while a
     * backlog waits means the claim is the limit; workers busy means the per-saga work is.
     */
    public void conclude(Section section) {
        double occupancy = Stats.of(backlogOccupancy).median();
        if (Double.isNaN(occupancy)) {
            return;
        }
        String measured = String.format(Locale.ROOT, "While the backlog waited, on average %.0f%% of the %d workers had a saga in"
                + " flight. ", 100 * occupancy, sizes.fastWorkers());
        if (occupancy < 0.5) {
            section.remedy("sustained", measured + "The workers wait for work although the dispatcher leases a batch (one saga"
                    + " per idle worker, up to 64) per claim transaction: the candidate query sorts the unfinished sagas by"
                    + " arrival_seq and checks each one's earlier requests of the same org (its time with the backlog waiting is"
                    + " in the profile above), and only one request per organisation may run at a time. Leasing new requests in"
                    + " the inbox's own transaction and an index on arrival_seq over the unfinished sagas would lift it; the"
                    + " saga's per-step commits are the next limit.");
        } else {
            section.remedy("sustained", measured + "The workers are busy: each saga makes ~7 synchronous, fsync'd commits"
                    + " (its share of a batched claim, chosen number, attempt, purchased, attempt, imported, completed with the"
                    + " outbox, result with the lease released) besides"
                    + " its provider calls, on 2 cores shared with the broker, the relay and the projector. Fewer state writes per"
                    + " saga (one before each provider call whose effect matters) and more PROVISIONER_WORKERS or instances (group"
                    + " commit) would lift it; see the step timings above.");
        }
    }

    private record Sent(String requestId, String eventId, long publishedMillis) {
    }

    /** What one phase measured. */
    private record Phase(String name, int requested, int committed, Stats e2e, Stats overhead, Stats provider, Stats inbox,
                         Stats saga, Stats ssotPath, double rate, long failed, long retries, Map<String, String> steps,
                         double meanInFlight, int workers, String claimProbe, String commitProfile) {

        String describe(int run, String load) {
            return String.format(Locale.ROOT, "run %d, %s: %,d/%,d committed at %,.0f/s; sagas in flight on average %.1f of %d"
                            + " workers%s; %s; e2e p50 %.0f / p99 %.0f ms ="
                            + " inbox (publish -> saga recorded) p50 %.0f / p99 %.0f ms + saga (recorded -> managed row + outbox"
                            + " committed) p50 %.0f / p99 %.0f ms, of which provider calls p50 %.0f / p99 %.0f ms + relay and projector"
                            + " (-> org_credentials committed) p50 %.0f / p99 %.0f ms; failed %d, step retries %d; mean step times %s",
                    run + 1, load, committed, requested, rate, meanInFlight, workers, claimProbe, commitProfile, e2e.median(), e2e.percentile(99),
                    inbox.median(), inbox.percentile(99),
                    saga.median(), saga.percentile(99), provider.median(), provider.percentile(99), ssotPath.median(),
                    ssotPath.percentile(99), failed, retries, steps);
        }
    }

    private Phase phase(String name, int count, double rate, Duration latency, int instances, int workers) throws Exception {
        releaseActiveNumbers();
        List<SimpleMeterRegistry> registries = new ArrayList<>();
        ProviderClock clock = new ProviderClock();
        List<Sent> sent;
        double meanInFlight;
        String claimProbe = "";
        String commitProfile;
        List<ProvisionerService> provisioners = new ArrayList<>();
        try (SimulatedProviders providers = SimulatedProviders.start()) {
            if (!latency.isZero()) {
                providers.twilio().faults().latencyForAll(latency);
                providers.vapi().faults().latencyForAll(latency);
            }
            try {
                for (int k = 0; k < instances; k++) {
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    registries.add(registry);
                    provisioners.add(startProvisioner(name + "-" + k, instances, workers, providers, clock, registry));
                }
                InFlightSampler sampler = new InFlightSampler(registries);
                long commitsBefore = databaseCommits();
                long started = System.nanoTime();
                sampler.start();
                try {
                    sent = publish(count, rate);
                    if (rate == 0) {
                        claimProbe = probeClaim(count);
                    }
                    Duration timeout = rate > 0 ? Duration.ofMillis((long) (count / rate * 1000)).plus(PHASE_DRAIN) : PHASE_DRAIN;
                    awaitCommitted(sent, timeout);
                } finally {
                    meanInFlight = sampler.stop();
                }
                commitProfile = commitProfile(registries, count, databaseCommits() - commitsBefore,
                        (System.nanoTime() - started) / 1e9);
            } finally {
                Collections.reverse(provisioners);
                for (ProvisionerService p : provisioners) {
                    p.close();
                }
            }
        }
        return analyse(name, sent, clock, registries, meanInFlight, workers * instances, claimProbe, commitProfile);
    }

    /** Transactions committed in the bench database so far (PostgreSQL's statistics, flushed about once a second). */
    private long databaseCommits() throws SQLException {
        return pipeline.db().queryLong("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
    }

    /**
     * Commits per provision (every service's, in the whole database: inbox, claims, saga steps, relay, projector,
     * reconciler, the bench's own probes) and the dispatchers' claim rate over one phase.
     */
    private static String commitProfile(List<SimpleMeterRegistry> registries, int provisions, long commits, double seconds) {
        double claims = 0;
        double claimed = 0;
        for (SimpleMeterRegistry registry : registries) {
            claims += registry.find(SagaMetrics.CLAIMS).counters().stream().mapToDouble(Counter::count).sum();
            claimed += registry.find(SagaMetrics.CLAIMED).counters().stream().mapToDouble(Counter::count).sum();
        }
        return String.format(Locale.ROOT, "%.1f database commits per provision (all services; %,d in %.1f s); %.0f claim"
                        + " transactions/s leasing %.1f sagas each (%,.0f sagas/s claimed)",
                provisions == 0 ? 0 : (double) commits / provisions, commits, seconds, claims / seconds,
                claims == 0 ? 0 : claimed / claims, claimed / seconds);
    }

    /** Samples the provisioners' sagas-in-flight gauges while a phase runs. */
    private static final class InFlightSampler {
        private final List<SimpleMeterRegistry> registries;
        private final Thread thread;
        private volatile boolean running = true;
        private double sum;
        private long samples;

        InFlightSampler(List<SimpleMeterRegistry> registries) {
            this.registries = registries;
            this.thread = new Thread(this::loop, "bench-in-flight-sampler");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            while (running) {
                double total = 0;
                for (SimpleMeterRegistry r : registries) {
                    var gauge = r.find(SagaMetrics.IN_FLIGHT).gauge();
                    total += gauge == null ? 0 : gauge.value();
                }
                synchronized (this) {
                    sum += total;
                    samples++;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(IN_FLIGHT_SAMPLE.toMillis());
                } catch (InterruptedException e) {
                    return; // stopping
                }
            }
        }

        /** Stops sampling; the mean number of sagas in flight. */
        double stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5_000);
            synchronized (this) {
                return samples == 0 ? Double.NaN : sum / samples;
            }
        }
    }

    /**
     * Times the claim's candidate query a few times once the backlog waits (read-only, as EXPLAIN ANALYZE): what
     * the single dispatcher pays for every saga it leases.
     */
    private String probeClaim(int published) throws SQLException, InterruptedException {
        List<Double> ms = new ArrayList<>();
        String countUnfinished = "SELECT count(*) FROM provisioning_requests WHERE state IN"
                + " ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING')";
        long[] unfinishedNow = {0};
        // the inbox records the backlog within a few seconds; probe once half of it waits
        BenchWaits.until(() -> {
            try {
                unfinishedNow[0] = pipeline.db().queryLong(countUnfinished);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot count unfinished sagas: " + e.getMessage(), e);
            }
            return unfinishedNow[0] >= published / 2;
        }, Duration.ofSeconds(15));
        long unfinished = unfinishedNow[0];
        for (int i = 0; i < 5; i++) {
            String plan = pipeline.db().queryString(CLAIM_PROBE).orElse("");
            Matcher m = EXECUTION_TIME.matcher(plan);
            if (m.find()) {
                ms.add(Double.parseDouble(m.group(1)));
            }
        }
        Stats probe = Stats.of(ms);
        return String.format(Locale.ROOT, " (the claim's candidate query took %.1f ms with %,d unfinished sagas waiting: one"
                + " dispatcher, a batch of sagas per claim transaction)", probe.median(), unfinished);
    }

    private ProvisionerService startProvisioner(String instance, int instances, int workers, SimulatedProviders providers, ProviderClock clock,
                                                SimpleMeterRegistry registry) throws Exception {
        Map<String, String> overrides = new HashMap<>(providers.configuration());
        overrides.put("PROVISIONER_WORKERS", Integer.toString(workers));
        // every instance shares one Twilio and one Vapi account: at most PROVIDER_ACCOUNT_CONCURRENCY calls in flight to each
        overrides.put("PROVISIONER_TWILIO_MAX_CONCURRENCY", Integer.toString(PROVIDER_ACCOUNT_CONCURRENCY / instances));
        overrides.put("PROVISIONER_VAPI_MAX_CONCURRENCY", Integer.toString(PROVIDER_ACCOUNT_CONCURRENCY / instances));
        overrides.put("PROVISIONER_INSTANCE_ID", "bench-" + instance);
        overrides.put("PROVISIONER_GROUP_ID", GROUP_ID);
        ConfigSource source = pipeline.source().withOverrides(overrides);
        SsotConfig config = SsotConfig.from(source);
        ServiceContext context = new ServiceContext(config, source, pipeline.context().kafka(), pipeline.context().database(), registry,
                new HealthRegistry(), config.redactor());
        ProvisionerSettings settings = ProvisionerSettings.from(source);
        ProvisionerService service = ProvisionerService.create(context, clock.vendor(providers.vendor(settings.httpTimeout())),
                clock.directory(providers.directory(settings.httpTimeout())), clock.listener());
        service.start();
        return service;
    }

    /** Open loop at {@code rate} requests/s, or everything at once when {@code rate} is 0. */
    private List<Sent> publish(int count, double rate) throws InterruptedException {
        List<Sent> sent = new ArrayList<>(count);
        AtomicReference<Exception> failure = new AtomicReference<>();
        String topic = pipeline.topics().provisioningRequests().name();
        List<String> orgs = pipeline.orgIds();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (rate > 0) {
                BenchWaits.parkUntil(start + (long) (i * 1e9 / rate));
            }
            long seq = sequence.getAndIncrement();
            String org = orgs.get((int) (seq % orgs.size()));
            String requestId = UUID.randomUUID().toString();
            Instant now = Instant.now();
            ProvisionNumberRequest request = ProvisionNumberRequest.newBuilder()
                    .setEventId(EventIds.forRequest(requestId, "ProvisionNumberRequest"))
                    .setRequestId(requestId)
                    .setOrgId(org)
                    .setCountryCode("US")
                    .setAreaCode(AREA_CODES.get((int) (seq % AREA_CODES.size())))
                    .setFriendlyName(null)
                    .setRequestedAt(now)
                    .build();
            sent.add(new Sent(requestId, EventIds.forRequest(requestId, "NumberProvisioned"), now.toEpochMilli()));
            producer.send(new ProducerRecord<>(topic, org, request), (metadata, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
            });
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("publishing bench requests failed: " + failure.get().getMessage(), failure.get());
        }
        return sent;
    }

    private void awaitCommitted(List<Sent> sent, Duration timeout) throws InterruptedException {
        int[] cursor = {0};
        boolean all = BenchWaits.until(() -> {
            while (cursor[0] < sent.size() && pipeline.commits().seen(sent.get(cursor[0]).eventId())) {
                cursor[0]++;
            }
            return cursor[0] == sent.size();
        }, timeout);
        pipeline.commits().failure().ifPresent(e -> {
            throw new IllegalStateException("the commit observer stopped: " + e.getMessage(), e);
        });
        if (!all) {
            progress.printf(Locale.ROOT, "  warning: only %,d of %,d requests committed within %d s%n",
                    sent.stream().filter(s -> pipeline.commits().seen(s.eventId())).count(), sent.size(), timeout.toSeconds());
        }
    }

    private Phase analyse(String name, List<Sent> sent, ProviderClock clock, List<SimpleMeterRegistry> registries, double meanInFlight,
                          int workers, String claimProbe, String commitProfile) throws SQLException {
        Map<String, long[]> saga = sagaTimes(sent);
        List<Double> e2e = new ArrayList<>();
        List<Double> overhead = new ArrayList<>();
        List<Double> provider = new ArrayList<>();
        List<Double> inbox = new ArrayList<>();
        List<Double> inSaga = new ArrayList<>();
        List<Double> ssotPath = new ArrayList<>();
        List<Long> commits = new ArrayList<>();
        long failed = 0;
        for (Sent s : sent) {
            long[] t = saga.get(s.requestId());
            if (t != null && t[2] == 1) {
                failed++;
            }
            OptionalLong committed = pipeline.commits().committedAt(s.eventId());
            if (committed.isEmpty()) {
                continue;
            }
            long c = committed.getAsLong();
            double total = c - s.publishedMillis();
            double inProviders = clock.providerMillis(s.requestId());
            e2e.add(total);
            provider.add(inProviders);
            overhead.add(total - inProviders);
            commits.add(c);
            if (t != null && t[1] > 0) {
                inbox.add((double) (t[0] - s.publishedMillis()));
                inSaga.add((double) (t[1] - t[0]));
                ssotPath.add((double) (c - t[1]));
            }
        }
        long retries = 0;
        Map<String, double[]> stepTotals = new TreeMap<>();
        for (SimpleMeterRegistry registry : registries) {
            retries += Math.round(registry.find(SagaMetrics.RETRIES).counters().stream().mapToDouble(Counter::count).sum());
            for (Timer timer : registry.find(SagaMetrics.STEP_LATENCY).timers()) {
                String key = timer.getId().getTag("step")
                        + ("ok".equals(timer.getId().getTag("outcome")) ? "" : "/" + timer.getId().getTag("outcome"));
                double[] t = stepTotals.computeIfAbsent(key, k -> new double[2]);
                t[0] += timer.totalTime(TimeUnit.MILLISECONDS);
                t[1] += timer.count();
            }
        }
        Map<String, String> steps = new TreeMap<>();
        stepTotals.forEach((step, t) -> steps.put(step, String.format(Locale.ROOT, "%.1f ms", t[1] == 0 ? 0 : t[0] / t[1])));
        return new Phase(name, sent.size(), commits.size(), Stats.of(e2e), Stats.of(overhead), Stats.of(provider), Stats.of(inbox),
                Stats.of(inSaga), Stats.of(ssotPath), middleRate(commits), failed, retries, steps, meanInFlight, workers, claimProbe,
                commitProfile);
    }

    /** received_at, completed_at (epoch ms) and whether the saga failed, by request id. */
    private Map<String, long[]> sagaTimes(List<Sent> sent) throws SQLException {
        Map<String, long[]> out = new HashMap<>();
        try (Connection c = pipeline.db().pool().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT request_id, (extract(epoch FROM received_at) * 1000)::bigint,"
                     + " (extract(epoch FROM completed_at) * 1000)::bigint, state IN ('FAILED', 'REJECTED')"
                     + " FROM provisioning_requests WHERE request_id = ANY (?)")) {
            Array ids = c.createArrayOf("text", sent.stream().map(Sent::requestId).toArray());
            try {
                ps.setArray(1, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getBoolean(4) ? 1 : 0});
                    }
                }
            } finally {
                ids.free();
            }
            c.rollback();
        }
        return out;
    }

    /** Commits per second over the middle 80% of the commit times (start-up and tail excluded). */
    static double middleRate(List<Long> commitMillis) {
        if (commitMillis.size() < 2) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(commitMillis);
        Collections.sort(sorted);
        int n = sorted.size();
        int cut = n >= 10 ? n / 10 : 0;
        long first = sorted.get(cut);
        long last = sorted.get(n - 1 - cut);
        int intervals = n - 1 - 2 * cut;
        return last > first ? intervals / ((last - first) / 1000.0) : Double.NaN;
    }

    /** Marks every active managed number released, so fresh simulated providers may sell the same numbers again. */
    private void releaseActiveNumbers() throws Exception {
        pipeline.db().execute("UPDATE managed_phone_numbers SET status = 'released', released_at = now(), updated_at = now()"
                + " WHERE status = 'active'");
        // let the relay carry the updates before asking whether the reconciler has read them
        TimeUnit.MILLISECONDS.sleep(Math.min(1000, sizes.loadDuration().toMillis() / 5));
        pipeline.awaitReconcilerCaughtUp(Duration.ofMinutes(2));
    }

    private static List<String> areaCodes() {
        List<String> codes = new ArrayList<>();
        for (int a = 200; a <= 999; a++) {
            codes.add(Integer.toString(a));
        }
        return List.copyOf(codes);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}

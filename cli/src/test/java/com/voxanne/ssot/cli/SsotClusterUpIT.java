package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.embedded.LocalProcesses;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster test: {@code ./ssot up --brokers 3} from the packaged jar (three broker processes, every topic, ours, the
 * relay's offsets, Kafka Streams' and the brokers' own, with three replicas) and a second provisioner, projector and
 * reconciler next to it ({@code ./ssot run X}, each its own OS process), so every service runs twice, under a steady
 * stream of provisioning requests. Then, one after the other and each with {@code kill -9}:
 * <ul>
 *   <li>the broker that leads the most partitions: while it is down a provision SUCCEEDS and a deleted SSOT row opens a
 *       violation; {@code up} restarts it and it rejoins with every replica back in sync;</li>
 *   <li>the second provisioner while it holds sagas it has started (leased, unfinished); restarted at once;</li>
 *   <li>the second projector while events of its partitions are not committed yet (mid-batch); restarted at once;</li>
 *   <li>the second reconciler: once the group has rebalanced, the surviving one answers {@code /api/compliance} for every
 *       organisation from its own stores (none 503, none partial); restarted afterwards.</li>
 * </ul>
 * The fault suite's invariants then hold: one result (SUCCEEDED) per request, no double purchase and every managed
 * number in the SSOT ({@code ./ssot audit}: Twilio, Vapi and the database agree, no finding), every injected SSOT loss
 * one OPEN and one RESOLVED (repaired by {@code ./ssot backfill}), and no unexplained violation: any other violation
 * opened while a fault was in progress (a late SSOT write) and was resolved.
 */
class SsotClusterUpIT {
    private static final String ORG = "voxanne@demo.com";
    private static final String ORG_ID = "46cf2995-2bee-44e3-838b-24151486fe4e";
    private static final List<String> ORG_IDS = List.of(ORG_ID, "7b0c3a52-5d0e-4c56-9a55-2f1f7c3f4a10",
            "c1e8f7a4-3b2d-4e6f-8a9b-0c1d2e3f4a5b");
    private static final List<String> AREA_CODES = List.of("415", "212", "646", "312", "617", "206", "305", "512");
    private static final Duration GRACE = Duration.ofSeconds(8);
    /** Long enough for the checks made while the broker is down; they assert it still is when they pass. */
    private static final Duration RESTART_DELAY = Duration.ofSeconds(90);
    private static final Duration FIRST_START = Duration.ofMinutes(5);
    private static final Duration COMMAND = Duration.ofMinutes(2);
    /** The steady load: one request every this often, round robin over the three organisations. */
    private static final Duration REQUEST_EVERY = Duration.ofMillis(400);
    /** How long after the last fault a late SSOT write (and the violation it opens) is still explained by the faults. */
    private static final Duration DISRUPTION_SLACK = Duration.ofSeconds(60);
    private static final Pattern PHONE = Pattern.compile("phone number : (\\+1\\d{10})");
    private static final String TOKEN = "cluster-test-token";
    private static final String SECOND_PROVISIONER = "cluster-second-provisioner";
    /** A killed member leaves its group after this (the broker's minimum is 6 s): the hand-back is seen within the budget. */
    private static final String SESSION_TIMEOUT_MS = "8000";
    private static final String UNFINISHED = "state NOT IN ('COMPLETED', 'FAILED', 'REJECTED')";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path workDir;
    /** How many second provisioners this test started (the current one's lease owner name ends with it). */
    private final AtomicInteger provisionerIds = new AtomicInteger();

    @Test
    void everyServiceTwiceSurvivesKill9OfABrokerAndOfOneInstanceOfEachServiceUnderSteadyLoad() throws Exception {
        // any free port for the status server: the newcomer's 8080 is SsotUpIT's
        PackagedSsot ssot = new PackagedSsot(workDir, Map.of("SSOT_GRACE", GRACE.toSeconds() + "s", "SSOT_HTTP_PORT", "0",
                "SSOT_EMBEDDED_BROKER_RESTART_DELAY", RESTART_DELAY.toSeconds() + "s", "SSOT_HTTP_TOKEN", TOKEN,
                "KAFKA_SESSION_TIMEOUT_MS", SESSION_TIMEOUT_MS));
        PackagedSsot.Running up = PackagedUp.startUp(ssot, FIRST_START, "up", "--brokers", "3");
        List<PackagedSsot.Running> instances = new CopyOnWriteArrayList<>();
        try {
            String upStatusUrl = up.printed("STATUS_URL").orElseThrow();
            String bootstrap = up.printed("KAFKA_BOOTSTRAP_SERVERS").orElseThrow();
            String jdbcUrl = up.printed("DATABASE_URL").orElseThrow();
            assertThat(bootstrap.split(",")).hasSize(3).allMatch(a -> a.startsWith("127.0.0.1:"));
            Map<Integer, Long> pids = brokerPids(ssot);
            assertThat(pids).as("the discovery file lists each broker's pid").containsOnlyKeys(1, 2, 3);
            assertThat(pids.values()).allMatch(SsotClusterUpIT::running).doesNotContain(up.process.pid());
            // the test's own clients find the stack as every command does: through the discovery file
            Environment env = Environment.resolve(ConfigSource.of(Map.of("SSOT_DATA_DIR", ssot.dataDir().toString())));
            String eventTopic = env.config().topics().numberEvents().name();

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Map<String, TopicDescription> topics = describeAll(admin);
                // ours, the dead letters, the relay's offsets, the Streams changelogs and repartitions, offsets, transactions
                assertThat(topics.keySet()).contains("telephony.provisioning.requests", "telephony.numbers.provisioned",
                        "ssot.violations", "cdc.org_credentials", "__consumer_offsets", "__transaction_state")
                        .anyMatch(t -> t.startsWith("ssot-reconciler-") && t.endsWith("-changelog"));
                topics.values().forEach(t -> assertThat(t.partitions()).as(t.name())
                        .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
                assertThat(minInsyncReplicas(admin, "telephony.numbers.provisioned")).isEqualTo("2");

                // a second instance of each service, each its own process, sharing the work of up's
                Set<String> upsProjector = clientIds(admin, "ssot-projector");
                assertThat(upsProjector).hasSize(1);
                PackagedSsot.Running provisioner = startInstance(ssot, instances, "provisioner");
                PackagedSsot.Running projector = startInstance(ssot, instances, "projector");
                PackagedSsot.Running reconciler = startInstance(ssot, instances, "reconciler");
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(members(admin)).containsEntry("ssot-provisioner", 2).containsEntry("ssot-projector", 2));
                awaitBothReconcilersHoldPartitions(upStatusUrl);
                String secondProjector = clientIds(admin, "ssot-projector").stream().filter(id -> !upsProjector.contains(id))
                        .findFirst().orElseThrow();

                try (SteadyRequests load = new SteadyRequests(env)) {
                    // given a steady stream of requests flowing through every service
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> completed(jdbcUrl) >= 10);
                    Map<String, Instant> losses = new LinkedHashMap<>();
                    String first = provision(ssot, "415");
                    await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(jdbcUrl, first) == 1);
                    losses.put(ORG_ID + "|" + first, loseSsotRow(jdbcUrl, first));

                    // when the broker that leads the most partitions is killed (no controlled shutdown)
                    Instant faultsBegin = Instant.now();
                    int victim = mostLeaderships(describeAll(admin).values());
                    long victimPid = brokerPids(ssot).get(victim);
                    ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
                    await().atMost(Duration.ofSeconds(30)).until(() -> !running(victimPid));

                    // then a provision succeeds and a lost SSOT row opens a violation, while it is still down
                    String second = provision(ssot, "212");
                    await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(jdbcUrl, second) == 1);
                    String lostKey = ORG_ID + "|" + second;
                    losses.put(lostKey, loseSsotRow(jdbcUrl, second));
                    await().atMost(GRACE.plusSeconds(60)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> PackagedUp.states(bootstrap, lostKey).contains(ViolationState.OPEN));
                    assertThat(brokerPids(ssot).get(victim)).as("broker %d not restarted yet", victim).isEqualTo(victimPid);
                    assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(2);

                    // when the second provisioner is killed while it holds sagas it has started, and restarted
                    List<String> interrupted = new ArrayList<>();
                    for (int attempt = 0; attempt < 3 && interrupted.isEmpty(); attempt++) {
                        interrupted.addAll(killMidSaga(provisioner, provisionerIds.get(), jdbcUrl));
                        provisioner = startInstance(ssot, instances, "provisioner");
                    }
                    assertThat(interrupted).as("sagas the killed provisioner had started and not finished").isNotEmpty();
                    System.out.printf("kill -9 of the second provisioner interrupted the sagas %s%n", interrupted);

                    // when the second projector is killed while events of its partitions are not committed, and restarted
                    Map<TopicPartition, Long> uncommitted = killMidBatch(admin, projector, secondProjector, eventTopic);
                    System.out.printf("kill -9 of the second projector left uncommitted events %s%n", uncommitted);
                    projector = startInstance(ssot, instances, "projector");

                    // then once up restarts the broker, it rejoins: a new pid in the discovery file, every replica in sync
                    await().atMost(RESTART_DELAY.plusMinutes(2)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> !brokerPids(ssot).get(victim).equals(victimPid));
                    assertThat(running(brokerPids(ssot).get(victim))).isTrue();
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size() == 3);
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                            describeAll(admin).values().forEach(t -> assertThat(t.partitions()).as(t.name())
                                    .allSatisfy(p -> assertThat(p.isr()).hasSize(3))));
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                            assertThat(members(admin)).containsEntry("ssot-provisioner", 2).containsEntry("ssot-projector", 2));
                    String third = provision(ssot, "646");
                    await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(jdbcUrl, third) == 1);

                    // and every request of the steady load gets its result
                    load.close();
                    assertThat(load.failedSends()).as("requests the brokers refused").isEmpty();
                    int requests = load.requestIds().size() + 3;
                    System.out.printf("steady load: %d requests published%n", load.requestIds().size());
                    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(2))
                            .until(() -> completed(jdbcUrl) == requests);
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                            .until(() -> missingSsotRows(jdbcUrl) == losses.size());

                    // when the second reconciler is killed (kill -9: it does not leave the group, its session times out)
                    reconciler.process.destroyForcibly();
                    assertThat(reconciler.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

                    // then, once the group has rebalanced, up's reconciler answers for every org from its own stores alone:
                    // the org with the lost rows is not compliant, the others are, and none is refused
                    Map<String, Long> managedByOrg = managedByOrg(jdbcUrl);
                    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        for (String orgId : ORG_IDS) {
                            HttpResponse<String> answer = get(upStatusUrl + "api/compliance?org=" + orgId);
                            assertThat(answer.statusCode()).as(orgId + ": " + answer.body()).isEqualTo(200);
                            JsonNode compliance = JSON.readTree(answer.body());
                            assertThat(compliance.get("sources")).as(answer.body()).hasSize(1);
                            assertThat(compliance.get("compliant").asBoolean()).as(answer.body()).isEqualTo(!orgId.equals(ORG_ID));
                            assertThat(compliance.get("managedNumbers").asLong()).as(answer.body())
                                    .isEqualTo(managedByOrg.getOrDefault(orgId, 0L));
                            assertThat(compliance.get("nonCompliant").asInt()).as(answer.body())
                                    .isEqualTo(orgId.equals(ORG_ID) ? losses.size() : 0);
                        }
                    });
                    Instant faultsEnd = Instant.now();
                    reconciler = startInstance(ssot, instances, "reconciler");
                    awaitBothReconcilersHoldPartitions(upStatusUrl);

                    // when the operator replays the event log into the SSOT
                    PackagedSsot.Result backfill = ssot.run(Duration.ofMinutes(3), "backfill", "--from-beginning");
                    assertThat(backfill.exitCode()).as(backfill.output()).isZero();

                    // then every injected loss has exactly one episode: OPEN, then RESOLVED
                    await().atMost(GRACE.plusMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        Map<String, List<SsotViolation>> byKey = violationsByKey(env);
                        for (Map.Entry<String, Instant> loss : losses.entrySet()) {
                            assertThat(byKey.getOrDefault(loss.getKey(), List.of()).stream()
                                    .filter(v -> !v.getMissingSince().isBefore(loss.getValue().minusSeconds(1)))
                                    .map(SsotViolation::getState)).as(loss.getKey())
                                    .containsExactly(ViolationState.OPEN, ViolationState.RESOLVED);
                        }
                    });

                    // and one result per request, all SUCCEEDED, the interrupted sagas among them
                    Map<String, Set<String>> outcomes = outcomesByRequest(env);
                    assertThat(outcomes).hasSize(requests).containsKeys(interrupted.toArray(String[]::new))
                            .containsKeys(load.requestIds().toArray(String[]::new));
                    outcomes.forEach((requestId, seen) -> assertThat(seen).as("outcomes of " + requestId).hasSize(1)
                            .allMatch(o -> o.startsWith(ProvisioningStatus.SUCCEEDED + "|")));

                    // and no double purchase, no managed number missing from the SSOT: Twilio, Vapi and the database agree
                    PackagedSsot.Result audit = ssot.run(COMMAND, "audit");
                    assertThat(audit.exitCode()).as(audit.output()).isZero();
                    assertThat(audit.output()).contains("Twilio owns " + requests + ", Vapi has " + requests
                            + " imports, database has " + requests + " active managed numbers");

                    // and no unexplained violation: any other episode opened while a fault was in progress and resolved
                    Map<String, List<SsotViolation>> byKey = violationsByKey(env);
                    int explained = 0;
                    for (Map.Entry<String, List<SsotViolation>> entry : byKey.entrySet()) {
                        Instant lostAt = losses.get(entry.getKey());
                        List<SsotViolation> others = entry.getValue().stream()
                                .filter(v -> lostAt == null || v.getMissingSince().isBefore(lostAt.minusSeconds(1))).toList();
                        for (SsotViolation v : others) {
                            assertThat(v.getMissingSince()).as("a violation outside the faults: " + v)
                                    .isBetween(faultsBegin.minus(GRACE), faultsEnd.plus(DISRUPTION_SLACK));
                        }
                        assertThat(others.stream().filter(v -> v.getState() == ViolationState.OPEN).count())
                                .as("every other episode of %s resolved: %s", entry.getKey(), others)
                                .isEqualTo(others.stream().filter(v -> v.getState() == ViolationState.RESOLVED).count());
                        explained += others.stream().filter(v -> v.getState() == ViolationState.OPEN).count();
                    }
                    System.out.printf("%d request(s), %d injected SSOT loss(es), %d episode(s) opened and resolved by late SSOT"
                            + " writes during the faults%n", requests, losses.size(), explained);
                }
                assertThat(up.process.isAlive()).isTrue();
            }
            for (PackagedSsot.Running instance : instances) {
                instance.process.destroyForcibly();
                assertThat(instance.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            PackagedUp.stop(ssot, up, Duration.ofSeconds(90)); // three brokers stop after the services
        } finally {
            instances.forEach(i -> i.process.destroyForcibly());
            if (up.process.isAlive()) {
                up.process.destroyForcibly();
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ssot.processesLeft().isEmpty());
    }

    /**
     * Provisioning requests published at a steady pace (round robin over the organisations and area codes) from a
     * producer of the test, as the platform's backend would publish them; keeps the ids of those the brokers acknowledged.
     */
    private static final class SteadyRequests implements AutoCloseable {
        private final KafkaProducer<String, ProvisionNumberRequest> producer;
        private final Topic<String, ProvisionNumberRequest> topic;
        private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cluster-test-load");
            t.setDaemon(true);
            return t;
        });
        private final List<String> acknowledged = new CopyOnWriteArrayList<>();
        private final Map<String, String> failed = new ConcurrentHashMap<>();
        private final AtomicInteger sent = new AtomicInteger();
        private boolean closed;

        SteadyRequests(Environment env) {
            topic = env.config().topics().provisioningRequests();
            producer = new KafkaProducer<>(env.kafka().producer("cluster-test-load"), new StringSerializer(),
                    topic.valueSerde().serializer());
            pacer.scheduleAtFixedRate(this::publishOne, 0, REQUEST_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void publishOne() {
            int n = sent.getAndIncrement();
            String orgId = ORG_IDS.get(n % ORG_IDS.size());
            String requestId = UUID.randomUUID().toString();
            ProvisionNumberRequest request = ProvisionCommand.request(requestId, orgId, "US", AREA_CODES.get(n % AREA_CODES.size()),
                    "cluster test " + n);
            producer.send(new ProducerRecord<>(topic.name(), orgId, request), (metadata, error) -> {
                if (error == null) {
                    acknowledged.add(requestId);
                } else {
                    failed.put(requestId, error.toString());
                }
            });
        }

        List<String> requestIds() {
            return List.copyOf(acknowledged);
        }

        Map<String, String> failedSends() {
            return Map.copyOf(failed);
        }

        /** Stops publishing and waits for every send's answer. */
        @Override
        public synchronized void close() throws InterruptedException {
            if (closed) {
                return;
            }
            closed = true;
            pacer.shutdown();
            assertThat(pacer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            producer.flush();
            producer.close(Duration.ofSeconds(30));
        }
    }

    /**
     * {@code ./ssot run SERVICE} next to up: waits until it printed its STATUS_URL (it runs then). Each provisioner started
     * here gets a lease owner name of its own ({@link #provisionerIds}), so that the sagas it holds can be told apart.
     */
    private PackagedSsot.Running startInstance(PackagedSsot ssot, List<PackagedSsot.Running> instances, String service)
            throws Exception {
        Map<String, String> settings = service.equals("provisioner")
                ? Map.of("PROVISIONER_INSTANCE_ID", SECOND_PROVISIONER + "-" + provisionerIds.incrementAndGet()) : Map.of();
        PackagedSsot.Running instance = ssot.start(settings, "run", service);
        instances.add(instance);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                .until(() -> instance.printed("STATUS_URL").isPresent() || !instance.process.isAlive());
        assertThat(instance.printed("STATUS_URL")).as(instance.describe()).isPresent();
        return instance;
    }

    /**
     * {@code kill -9} of the second provisioner as soon as it holds a saga it has started (leased to it, unfinished);
     * returns the sagas it held unfinished once dead (none if every one finished in the instant before the kill).
     */
    private static List<String> killMidSaga(PackagedSsot.Running provisioner, int instance, String jdbcUrl) throws Exception {
        String held = "SELECT request_id FROM provisioning_requests WHERE lease_owner LIKE '" + SECOND_PROVISIONER + "-" + instance
                + "#%' AND " + UNFINISHED;
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> !strings(jdbcUrl, held + " AND lease_until > now()").isEmpty());
        provisioner.process.destroyForcibly();
        assertThat(provisioner.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return strings(jdbcUrl, held);
    }

    /**
     * {@code kill -9} of the second projector as soon as events of partitions assigned to it are on the log and not yet
     * committed by the group (fetched or about to be, not written to the SSOT yet); returns them (partition: how many).
     */
    private static Map<TopicPartition, Long> killMidBatch(Admin admin, PackagedSsot.Running projector, String clientId,
                                                          String eventTopic) throws Exception {
        Map<TopicPartition, Long> uncommitted = new HashMap<>();
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
            uncommitted.clear();
            uncommitted.putAll(uncommittedOf(admin, clientId, eventTopic));
            if (uncommitted.isEmpty()) {
                return false;
            }
            projector.process.destroyForcibly();
            return true;
        });
        assertThat(projector.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return uncommitted;
    }

    /** Partitions of {@code eventTopic} assigned to the member {@code clientId} whose end is past the group's commit. */
    private static Map<TopicPartition, Long> uncommittedOf(Admin admin, String clientId, String eventTopic) throws Exception {
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("ssot-projector")).all()
                .get(30, TimeUnit.SECONDS).get("ssot-projector");
        List<TopicPartition> assigned = group.members().stream().filter(m -> m.clientId().equals(clientId))
                .flatMap(m -> m.assignment().topicPartitions().stream()).filter(tp -> tp.topic().equals(eventTopic)).toList();
        if (assigned.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("ssot-projector")
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(assigned.stream()
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        for (TopicPartition tp : assigned) {
            long at = committed.containsKey(tp) && committed.get(tp) != null ? committed.get(tp).offset() : 0;
            long end = ends.get(tp).offset();
            if (end > at) {
                out.put(tp, end - at);
            }
        }
        return out;
    }

    private static void awaitBothReconcilersHoldPartitions(String upStatusUrl) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(okJson(get(upStatusUrl + "api/violations")).get("sources")).as("both reconcilers hold partitions")
                        .hasSize(2));
    }

    private static Map<String, Integer> members(Admin admin) throws Exception {
        Map<String, Integer> out = new HashMap<>();
        for (ConsumerGroupDescription group : admin.describeConsumerGroups(List.of("ssot-provisioner", "ssot-projector"))
                .all().get(30, TimeUnit.SECONDS).values()) {
            out.put(group.groupId(), group.members().size());
        }
        return out;
    }

    private static Set<String> clientIds(Admin admin, String groupId) throws Exception {
        return admin.describeConsumerGroups(List.of(groupId)).all().get(30, TimeUnit.SECONDS).get(groupId).members().stream()
                .map(MemberDescription::clientId).collect(Collectors.toSet());
    }

    /** Deletes the SSOT row of {@code number} (an injected loss); returns when. */
    private static Instant loseSsotRow(String jdbcUrl, String number) throws Exception {
        Instant at = Instant.now();
        PackagedUp.execute(jdbcUrl, "DELETE FROM org_credentials WHERE phone_number = '" + number + "'");
        return at;
    }

    private static long completed(String jdbcUrl) throws Exception {
        return PackagedUp.count(jdbcUrl, "SELECT count(*) FROM provisioning_requests WHERE state = 'COMPLETED' AND result_published");
    }

    private static long missingSsotRows(String jdbcUrl) throws Exception {
        return PackagedUp.count(jdbcUrl, "SELECT count(*) FROM managed_phone_numbers m WHERE m.status = 'active' AND NOT EXISTS"
                + " (SELECT 1 FROM org_credentials c WHERE c.org_id = m.org_id AND c.phone_number = m.phone_number)");
    }

    private static Map<String, Long> managedByOrg(String jdbcUrl) throws Exception {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = PackagedUp.connect(jdbcUrl); PreparedStatement ps = c.prepareStatement(
                "SELECT org_id::text, count(*) FROM managed_phone_numbers WHERE status = 'active' GROUP BY org_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    private static List<String> strings(String jdbcUrl, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = PackagedUp.connect(jdbcUrl); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** By requestId: the distinct outcomes (status|phone|sid|vapi id) of its records on the results topic. */
    private static Map<String, Set<String>> outcomesByRequest(Environment env) {
        Map<String, Set<String>> out = new HashMap<>();
        for (ConsumerRecord<String, ProvisioningResult> rec : readAll(env, env.config().topics().provisioningResults())) {
            ProvisioningResult r = rec.value();
            if (r != null) {
                out.computeIfAbsent(r.getRequestId(), k -> new HashSet<>()).add(r.getStatus() + "|" + r.getPhoneNumber() + "|"
                        + r.getTwilioSid() + "|" + r.getVapiPhoneId());
            }
        }
        return out;
    }

    /** Every violation record, by key (orgId|phone), in offset order. */
    private static Map<String, List<SsotViolation>> violationsByKey(Environment env) {
        Map<String, List<SsotViolation>> out = new TreeMap<>();
        for (ConsumerRecord<String, SsotViolation> rec : readAll(env, env.config().topics().violations())) {
            if (rec.value() != null) {
                out.computeIfAbsent(rec.key(), k -> new ArrayList<>()).add(rec.value());
            }
        }
        return out;
    }

    /** Every committed record of {@code topic}, read to its end (records of one partition in offset order). */
    private static <V> List<ConsumerRecord<String, V>> readAll(Environment env, Topic<String, V> topic) {
        Map<String, Object> props = env.kafka().consumer("cluster-test-reader-" + UUID.randomUUID(), "cluster-test-reader");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, V>> records = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic.name() + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode okJson(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String provision(PackagedSsot ssot, String areaCode) throws Exception {
        PackagedSsot.Result result = ssot.run(COMMAND, "provision", "--org", ORG, "--area-code", areaCode);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Result: SUCCEEDED");
        Matcher phone = PHONE.matcher(result.output());
        assertThat(phone.find()).as(result.output()).isTrue();
        return phone.group(1);
    }

    private static long ssotRows(String jdbcUrl, String number) throws Exception {
        return PackagedUp.count(jdbcUrl, "SELECT count(*) FROM org_credentials WHERE phone_number = '" + number + "'");
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).map(LocalProcesses::isRunning).orElse(false);
    }

    /** EMBEDDED_BROKER_N_PID of the discovery file, by node id ("down" is left out). */
    private static Map<Integer, Long> brokerPids(PackagedSsot ssot) throws Exception {
        Properties props = new Properties();
        try (var in = Files.newInputStream(ssot.dataDir().resolve("stack.properties"))) {
            props.load(in);
        }
        Map<Integer, Long> pids = new HashMap<>();
        Pattern key = Pattern.compile("EMBEDDED_BROKER_(\\d+)_PID");
        props.forEach((k, v) -> {
            Matcher m = key.matcher(k.toString());
            if (m.matches() && !v.toString().equals("down")) {
                pids.put(Integer.parseInt(m.group(1)), Long.parseLong(v.toString()));
            }
        });
        return pids;
    }

    private static Map<String, TopicDescription> describeAll(Admin admin) throws Exception {
        Collection<String> names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                .names().get(30, TimeUnit.SECONDS);
        return admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
    }

    private static int mostLeaderships(Collection<TopicDescription> topics) {
        Map<Integer, Integer> led = new HashMap<>();
        topics.stream().flatMap(t -> t.partitions().stream()).map(TopicPartitionInfo::leader)
                .filter(l -> l != null).forEach(l -> led.merge(l.id(), 1, Integer::sum));
        return led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static String minInsyncReplicas(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get("min.insync.replicas").value();
    }
}

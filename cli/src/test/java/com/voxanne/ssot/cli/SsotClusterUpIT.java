package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.embedded.LocalProcesses;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ssot up --brokers 3} from the packaged jar: three broker processes, every topic (ours, the relay's offsets,
 * Kafka Streams' and the brokers' own) with three replicas, and a second provisioner, projector and reconciler next to
 * it ({@code ./ssot run X}, each its own OS process), so every service runs twice. {@code kill -9} of the broker that
 * leads the most partitions leaves provisioning and detection working while it is down (a provision SUCCEEDS, a deleted
 * SSOT row opens a violation), and the broker, restarted by {@code up}, rejoins with every replica back in sync. Then
 * {@code kill -9} of the second reconciler: once the group has rebalanced, the surviving one answers
 * {@code /api/compliance} for every organisation from its own stores (none 503, none partial).
 */
class SsotClusterUpIT {
    private static final String ORG = "voxanne@demo.com";
    private static final String ORG_ID = "46cf2995-2bee-44e3-838b-24151486fe4e";
    private static final Duration GRACE = Duration.ofSeconds(8);
    /** Long enough for the checks made while the broker is down; they assert it still is when they pass. */
    private static final Duration RESTART_DELAY = Duration.ofSeconds(120);
    private static final Duration FIRST_START = Duration.ofMinutes(5);
    private static final Duration COMMAND = Duration.ofMinutes(2);
    private static final Pattern PHONE = Pattern.compile("phone number : (\\+1\\d{10})");
    private static final List<String> ORG_IDS = List.of(ORG_ID, "7b0c3a52-5d0e-4c56-9a55-2f1f7c3f4a10",
            "c1e8f7a4-3b2d-4e6f-8a9b-0c1d2e3f4a5b");
    private static final String TOKEN = "cluster-test-token";
    /** A killed member leaves its group after this (the broker's minimum is 6 s): the hand-back is seen within the budget. */
    private static final String SESSION_TIMEOUT_MS = "8000";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path workDir;

    @Test
    void oneBrokerKilledLeavesProvisioningAndDetectionWorkingAndRejoinsWhenRestarted() throws Exception {
        // any free port for the status server: the newcomer's 8080 is SsotUpIT's
        PackagedSsot ssot = new PackagedSsot(workDir, Map.of("SSOT_GRACE", GRACE.toSeconds() + "s", "SSOT_HTTP_PORT", "0",
                "SSOT_EMBEDDED_BROKER_RESTART_DELAY", RESTART_DELAY.toSeconds() + "s", "SSOT_HTTP_TOKEN", TOKEN,
                "KAFKA_SESSION_TIMEOUT_MS", SESSION_TIMEOUT_MS));
        PackagedSsot.Running up = PackagedUp.startUp(ssot, FIRST_START, "up", "--brokers", "3");
        List<PackagedSsot.Running> instances = new ArrayList<>();
        try {
            String upStatusUrl = up.printed("STATUS_URL").orElseThrow();
            String bootstrap = up.printed("KAFKA_BOOTSTRAP_SERVERS").orElseThrow();
            String jdbcUrl = up.printed("DATABASE_URL").orElseThrow();
            assertThat(bootstrap.split(",")).hasSize(3).allMatch(a -> a.startsWith("127.0.0.1:"));
            Map<Integer, Long> pids = brokerPids(ssot);
            assertThat(pids).as("the discovery file lists each broker's pid").containsOnlyKeys(1, 2, 3);
            assertThat(pids.values()).allMatch(SsotClusterUpIT::running).doesNotContain(up.process.pid());

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
                for (String service : List.of("provisioner", "projector", "reconciler")) {
                    instances.add(startInstance(ssot, service));
                }
                PackagedSsot.Running reconciler = instances.get(2);
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(members(admin)).containsEntry("ssot-provisioner", 2).containsEntry("ssot-projector", 2));
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(okJson(get(upStatusUrl + "api/violations")).get("sources")).as("both reconcilers hold partitions")
                                .hasSize(2));

                String first = provision(ssot, "415");
                await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(jdbcUrl, first) == 1);

                // when the broker that leads the most partitions is killed (no controlled shutdown)
                int victim = mostLeaderships(topics.values());
                long victimPid = pids.get(victim);
                ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(30)).until(() -> !running(victimPid));

                // then a provision succeeds and a lost SSOT row opens a violation, while it is still down
                String second = provision(ssot, "212");
                await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(jdbcUrl, second) == 1);
                PackagedUp.execute(jdbcUrl, "DELETE FROM org_credentials WHERE phone_number = '" + second + "'");
                String lostKey = ORG_ID + "|" + second;
                await().atMost(GRACE.plusSeconds(60)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> PackagedUp.states(bootstrap, lostKey).equals(List.of(ViolationState.OPEN)));
                assertThat(brokerPids(ssot).get(victim)).as("broker %d not restarted yet", victim).isEqualTo(victimPid);
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(2);

                // and once up restarts it, the broker rejoins: a new pid in the discovery file, every replica in sync
                await().atMost(RESTART_DELAY.plusMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> !brokerPids(ssot).get(victim).equals(victimPid));
                assertThat(running(brokerPids(ssot).get(victim))).isTrue();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size() == 3);
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                        describeAll(admin).values().forEach(t -> assertThat(t.partitions()).as(t.name())
                                .allSatisfy(p -> assertThat(p.isr()).hasSize(3))));
                String third = provision(ssot, "646");
                await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(jdbcUrl, third) == 1);
                assertThat(PackagedUp.count(jdbcUrl, "SELECT count(*) FROM managed_phone_numbers")).isEqualTo(3);

                // when the second reconciler is killed (kill -9: it does not leave the group, its session times out)
                reconciler.process.destroyForcibly();
                assertThat(reconciler.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

                // then, once the group has rebalanced, up's reconciler answers for every org from its own stores alone:
                // the org with the lost row is not compliant, the others are, and none is refused
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    for (String orgId : ORG_IDS) {
                        HttpResponse<String> answer = get(upStatusUrl + "api/compliance?org=" + orgId);
                        assertThat(answer.statusCode()).as(orgId + ": " + answer.body()).isEqualTo(200);
                        JsonNode compliance = JSON.readTree(answer.body());
                        assertThat(compliance.get("sources")).as(answer.body()).hasSize(1);
                        assertThat(compliance.get("compliant").asBoolean()).as(answer.body()).isEqualTo(!orgId.equals(ORG_ID));
                        if (orgId.equals(ORG_ID)) {
                            assertThat(compliance.get("managedNumbers").asInt()).as(answer.body()).isEqualTo(3);
                            assertThat(compliance.get("nonCompliant").asInt()).as(answer.body()).isEqualTo(1);
                        }
                    }
                });
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

    /** {@code ./ssot run SERVICE} next to up: waits until it printed its STATUS_URL (it runs then). */
    private static PackagedSsot.Running startInstance(PackagedSsot ssot, String service) throws Exception {
        PackagedSsot.Running instance = ssot.start("run", service);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                .until(() -> instance.printed("STATUS_URL").isPresent() || !instance.process.isAlive());
        assertThat(instance.printed("STATUS_URL")).as(instance.describe()).isPresent();
        return instance;
    }

    private static Map<String, Integer> members(Admin admin) throws Exception {
        Map<String, Integer> out = new HashMap<>();
        for (ConsumerGroupDescription group : admin.describeConsumerGroups(List.of("ssot-provisioner", "ssot-projector"))
                .all().get(30, TimeUnit.SECONDS).values()) {
            out.put(group.groupId(), group.members().size());
        }
        return out;
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

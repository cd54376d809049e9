package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More instances of each service from another terminal, as the packaged jar runs them: one {@code ./ssot up}, and
 * {@code ./ssot run reconciler|provisioner|projector} next to it (found through the discovery file, each with its own
 * status server). The extra instances join the same consumer groups and Streams application and share the work; the
 * reconciler's queries answer for every org from either instance; {@code kill -9} of an extra instance hands its work
 * back (meanwhile the surviving reconciler answers 503, never a partial "compliant").
 */
class SsotMoreInstancesIT {
    private static final Map<String, String> ORGS = Map.of(
            "voxanne@demo.com", "46cf2995-2bee-44e3-838b-24151486fe4e",
            "ops@harbordental.example", "7b0c3a52-5d0e-4c56-9a55-2f1f7c3f4a10",
            "admin@northsidephysio.example", "c1e8f7a4-3b2d-4e6f-8a9b-0c1d2e3f4a5b");
    private static final Duration GRACE = Duration.ofSeconds(3);
    /**
     * How long a killed member stays in its group (the brokers' view) before its partitions are handed back: short
     * here (the broker's minimum is 6 s), so that the hand-back is seen within the test's budget.
     */
    private static final String SESSION_TIMEOUT_MS = "8000";
    private static final String TOKEN = "more-instances-test-token";
    private static final int PARTITIONS = 6;
    private static final Duration FIRST_START = Duration.ofMinutes(5);
    private static final Duration COMMAND = Duration.ofMinutes(2);
    private static final Pattern PHONE = Pattern.compile("phone number : (\\+1\\d{10})");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path workDir;
    private static PackagedSsot ssot;
    private static PackagedSsot.Running up;
    private static String upStatusUrl;
    private static String jdbcUrl;
    private static String bootstrap;

    @BeforeAll
    static void startUp() throws Exception {
        ssot = new PackagedSsot(workDir, Map.of("SSOT_GRACE", GRACE.toSeconds() + "s", "SSOT_HTTP_PORT", "0",
                "SSOT_HTTP_TOKEN", TOKEN, "KAFKA_SESSION_TIMEOUT_MS", SESSION_TIMEOUT_MS));
        up = PackagedUp.startUp(ssot, FIRST_START);
        upStatusUrl = up.printed("STATUS_URL").orElseThrow();
        jdbcUrl = up.printed("DATABASE_URL").orElseThrow();
        bootstrap = up.printed("KAFKA_BOOTSTRAP_SERVERS").orElseThrow();
    }

    @AfterAll
    static void stopUp() throws Exception {
        if (up == null) {
            return;
        }
        try {
            PackagedUp.stop(ssot, up);
        } finally {
            if (up.process.isAlive()) {
                up.process.destroyForcibly();
            }
        }
    }

    @Test
    void shouldAnswerForEveryOrgFromEitherReconcilerAndRefuseAPartialAnswerWhileOneIsKilled() throws Exception {
        // given a second reconciler next to up's, each holding some of the partitions
        PackagedSsot.Running extra = startInstance("reconciler");
        try {
            String extraStatusUrl = extra.printed("STATUS_URL").orElseThrow();
            assertThat(extraStatusUrl).isNotEqualTo(upStatusUrl);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode answer = okJson(get(extraStatusUrl + "api/violations"));
                assertThat(sources(answer)).as("both instances contribute: " + answer).hasSize(2);
            });
            JsonNode sources = okJson(get(upStatusUrl + "api/violations")).get("sources");
            List<Integer> everyPartition = new ArrayList<>();
            sources.forEach(s -> {
                assertThat(s.get("partitions")).as("each instance holds some partitions: " + sources).isNotEmpty();
                s.get("partitions").forEach(p -> everyPartition.add(p.asInt()));
            });
            assertThat(everyPartition).containsExactlyInAnyOrderElementsOf(allPartitions());

            // when numbers are provisioned for three orgs and some of their SSOT rows are lost
            Map<String, List<String>> numbersByOrg = new HashMap<>();
            String[] areaCodes = {"415", "212", "646", "312", "617", "206"};
            int i = 0;
            for (String email : ORGS.keySet()) {
                for (int n = 0; n < 2; n++) {
                    numbersByOrg.computeIfAbsent(ORGS.get(email), k -> new ArrayList<>()).add(provision(email, areaCodes[i++]));
                }
            }
            List<String> all = numbersByOrg.values().stream().flatMap(List::stream).toList();
            await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(all) == all.size());
            Set<String> lostKeys = new TreeSet<>();
            for (Map.Entry<String, List<String>> org : numbersByOrg.entrySet()) {
                String lost = org.getValue().get(0);
                PackagedUp.execute(jdbcUrl, "DELETE FROM org_credentials WHERE phone_number = '" + lost + "'");
                lostKeys.add(org.getKey() + "|" + lost);
            }

            // then either instance lists every violation, and every number of each org
            for (String statusUrl : List.of(upStatusUrl, extraStatusUrl)) {
                await().atMost(GRACE.plusSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(violationKeys(okJson(get(statusUrl + "api/violations")))).isEqualTo(lostKeys));
                for (Map.Entry<String, List<String>> org : numbersByOrg.entrySet()) {
                    JsonNode compliance = okJson(get(statusUrl + "api/compliance?org=" + org.getKey()));
                    assertThat(phones(compliance)).as(compliance.toString()).containsAll(org.getValue())
                            .isEqualTo(activeNumbers(org.getKey()));
                    assertThat(compliance.get("compliant").asBoolean()).isFalse();
                    assertThat(compliance.get("nonCompliant").asInt()).isEqualTo(1);
                    assertThat(sources(compliance)).hasSize(2);
                }
                JsonNode timeline = okJson(get(statusUrl + "api/timeline"));
                Set<String> episodes = new TreeSet<>();
                timeline.get("episodes").forEach(e -> episodes.add(e.get("orgId").asText() + "|" + e.get("phoneNumber").asText()));
                assertThat(episodes).isEqualTo(lostKeys);
            }

            // when the extra reconciler is killed (kill -9: it does not leave the group)
            extra.process.destroyForcibly();
            assertThat(extra.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

            // then up's reconciler answers 503 naming what is missing, never a partial answer, until the group has
            // rebalanced; then it answers completely from its own stores
            List<Integer> statuses = new ArrayList<>();
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).until(() -> {
                HttpResponse<String> violations = get(upStatusUrl + "api/violations");
                HttpResponse<String> compliance = get(upStatusUrl + "api/compliance?org=" + ORGS.get("voxanne@demo.com"));
                for (HttpResponse<String> answer : List.of(violations, compliance)) {
                    statuses.add(answer.statusCode());
                    assertThat(answer.statusCode()).as(answer.body()).isIn(200, 503);
                    if (answer.statusCode() == 503) {
                        JsonNode refusal = JSON.readTree(answer.body());
                        assertThat(refusal.get("missingPartitions").size() + refusal.get("unavailableInstances").size())
                                .as("says what is missing: " + answer.body()).isPositive();
                        assertThat(answer.body()).doesNotContain("\"compliant\"");
                    }
                }
                if (violations.statusCode() != 200 || compliance.statusCode() != 200) {
                    return false;
                }
                assertThat(violationKeys(JSON.readTree(violations.body()))).isEqualTo(lostKeys);
                JsonNode org = JSON.readTree(compliance.body());
                assertThat(org.get("compliant").asBoolean()).as(compliance.body()).isFalse();
                assertThat(phones(org)).isEqualTo(activeNumbers(ORGS.get("voxanne@demo.com")));
                assertThat(sources(org)).hasSize(1);
                assertThat(sources(org).get(0).get("partitions")).hasSize(PARTITIONS);
                return true;
            });
            assertThat(statuses).as("the survivor refused while the killed instance still held partitions").contains(503);
            System.out.printf("after kill -9 of the extra reconciler: %d refusals (503), complete again after %.1f s%n",
                    statuses.stream().filter(s -> s == 503).count(), (System.nanoTime() - killed) / 1e9);
            assertThat(get(upStatusUrl + "api/violations?scope=local").statusCode()).isEqualTo(200);
        } finally {
            extra.process.destroyForcibly();
        }
    }

    @Test
    void shouldShareRequestsWithAProvisionerAndProjectorStartedNextToUpAndHandThemBackWhenKilled() throws Exception {
        // given one more provisioner and projector next to up, each with its own status server
        PackagedSsot.Running provisioner = startInstance("provisioner");
        PackagedSsot.Running projector = startInstance("projector");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThat(Set.of(upStatusUrl, provisioner.printed("STATUS_URL").orElseThrow(),
                    projector.printed("STATUS_URL").orElseThrow())).hasSize(3);
            // then each group has both instances as members
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(members(admin)).containsEntry("ssot-provisioner", 2).containsEntry("ssot-projector", 2));

            // and requests are processed: every number bought once, its SSOT row written
            List<String> numbers = new ArrayList<>();
            for (String email : ORGS.keySet()) {
                numbers.add(provision(email, "415"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(numbers) == numbers.size());

            // when the extra instances are killed (kill -9)
            provisioner.process.destroyForcibly();
            projector.process.destroyForcibly();
            assertThat(provisioner.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(projector.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

            // then their partitions go back to up's instances, and later requests succeed
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(members(admin)).containsEntry("ssot-provisioner", 1).containsEntry("ssot-projector", 1));
            List<String> later = new ArrayList<>();
            for (String email : ORGS.keySet()) {
                later.add(provision(email, "212"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> ssotRows(later) == later.size());
        } finally {
            provisioner.process.destroyForcibly();
            projector.process.destroyForcibly();
        }
    }

    @Test
    void shouldRefuseASecondRelayNextToUpAndARunWithNoStackToJoin() throws Exception {
        // when a relay is started next to up
        PackagedSsot.Result relay = ssot.run(COMMAND, "run", "relay");

        // then it is refused with the reason, and up's relay goes on
        assertThat(relay.exitCode()).as(relay.output()).isNotZero();
        assertThat(relay.output()).contains("already runs the relay", "one relay reads the replication slot");
        assertThat(get(upStatusUrl + "health").statusCode()).isEqualTo(200);

        // and where no up runs and nothing is configured, run says what to do
        PackagedSsot elsewhere = new PackagedSsot(java.nio.file.Files.createDirectories(workDir.resolve("elsewhere")), Map.of());
        PackagedSsot.Result alone = elsewhere.run(COMMAND, "run", "reconciler");
        assertThat(alone.exitCode()).as(alone.output()).isNotZero();
        assertThat(alone.output()).contains("set KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL", "./ssot up", "stack.properties");
        assertThat(elsewhere.processesLeft()).isEmpty();
    }

    /** {@code ./ssot run SERVICE} next to up: waits until it printed its STATUS_URL (it runs then). */
    private static PackagedSsot.Running startInstance(String service) throws Exception {
        PackagedSsot.Running instance = ssot.start("run", service);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> instance.printed("STATUS_URL").isPresent() || !instance.process.isAlive());
        assertThat(instance.printed("STATUS_URL")).as(instance.describe()).isPresent();
        assertThat(instance.lines()).as(instance.describe()).anyMatch(l -> l.startsWith("Joining the stack of the running ./ssot up"));
        return instance;
    }

    private static String provision(String email, String areaCode) throws Exception {
        PackagedSsot.Result result = ssot.run(COMMAND, "provision", "--org", email, "--area-code", areaCode);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Result: SUCCEEDED");
        Matcher phone = PHONE.matcher(result.output());
        assertThat(phone.find()).as(result.output()).isTrue();
        return phone.group(1);
    }

    private static long ssotRows(List<String> numbers) throws Exception {
        return PackagedUp.count(jdbcUrl, "SELECT count(*) FROM org_credentials WHERE phone_number IN ('"
                + String.join("','", numbers) + "')");
    }

    /** The org's active managed numbers, from PostgreSQL: what its compliance answer must list. */
    private static Set<String> activeNumbers(String orgId) throws Exception {
        Set<String> numbers = new HashSet<>();
        try (var c = PackagedUp.connect(jdbcUrl); var s = c.createStatement(); var rs = s.executeQuery(
                "SELECT phone_number FROM managed_phone_numbers WHERE status = 'active' AND org_id = '" + orgId + "'")) {
            while (rs.next()) {
                numbers.add(rs.getString(1));
            }
        }
        return numbers;
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

    private static List<JsonNode> sources(JsonNode answer) {
        List<JsonNode> out = new ArrayList<>();
        answer.get("sources").forEach(out::add);
        return out;
    }

    private static Set<String> violationKeys(JsonNode answer) {
        Set<String> keys = new TreeSet<>();
        answer.get("violations").forEach(v -> keys.add(v.get("orgId").asText() + "|" + v.get("phoneNumber").asText()));
        return keys;
    }

    private static Set<String> phones(JsonNode compliance) {
        Set<String> phones = new HashSet<>();
        compliance.get("numbers").forEach(n -> phones.add(n.get("phoneNumber").asText()));
        return phones;
    }

    private static List<Integer> allPartitions() {
        List<Integer> all = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            all.add(p);
        }
        return all;
    }

}

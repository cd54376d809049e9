package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;


import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code ssot.jar} on a machine where nothing ran before, as a newcomer uses it: {@code up} in one
 * terminal (its own empty {@code java.io.tmpdir}, so the PostgreSQL binaries are unpacked by the jar's own classpath),
 * {@code provision}, {@code check} and {@code dropdown} from another, Ctrl-C (SIGINT) stops it with exit 0 and nothing
 * left running; {@code up} again keeps every number, SSOT row, saga, consumer offset, violation and registered schema;
 * a second live {@code up} on the same directory is refused; after {@code kill -9} the next {@code up} starts by itself
 * (the dead one's schema registry has stopped by itself).
 */
class SsotUpIT {
    private static final String ORG = "voxanne@demo.com";
    private static final String ORG_ID = "46cf2995-2bee-44e3-838b-24151486fe4e";
    private static final Duration GRACE = Duration.ofSeconds(8);
    private static final Duration FIRST_START = Duration.ofMinutes(4); // unpacks PostgreSQL, initdb, formats Kafka
    private static final Duration COMMAND = Duration.ofMinutes(2);
    private static final Pattern PHONE = Pattern.compile("phone number : (\\+1\\d{10})");

    @TempDir
    Path workDir;

    @Test
    void shouldRunFromAFreshMachineStopOnCtrlCAndKeepEverythingAcrossRestartsAndKills() throws Exception {
        PackagedSsot ssot = new PackagedSsot(workDir, Map.of("SSOT_GRACE", GRACE.toSeconds() + "s"));

        // given a fresh machine: up reaches healthy and prints where everything is
        PackagedSsot.Running up = PackagedUp.startUp(ssot, FIRST_START);
        String statusUrl = up.printed("STATUS_URL").orElseThrow();
        assertThat(up.printed("KAFKA_BOOTSTRAP_SERVERS").orElseThrow()).startsWith("127.0.0.1:");
        assertThat(up.printed("DATABASE_URL").orElseThrow()).startsWith("jdbc:postgresql://127.0.0.1:");
        String registryUrl = up.printed("SCHEMA_REGISTRY_URL").orElseThrow();
        assertThat(registryUrl).matches("http://127\\.0\\.0\\.1:\\d+/apis/ccompat/v7");
        assertThat(discovered(ssot)).as("the discovery file carries what up printed")
                .containsEntry("KAFKA_BOOTSTRAP_SERVERS", up.printed("KAFKA_BOOTSTRAP_SERVERS").orElseThrow())
                .containsEntry("DATABASE_URL", up.printed("DATABASE_URL").orElseThrow())
                .containsEntry("SCHEMA_REGISTRY_URL", registryUrl);
        HttpResponse<String> registered = registerSchema(registryUrl, "ssot-up-it-value");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        assertThat(Files.isDirectory(workDir.resolve("tmp").resolve("embedded-pg")))
                .as("PostgreSQL binaries unpacked into this run's own java.io.tmpdir").isTrue();
        assertNoUnexpectedWarnings(up);
        HttpResponse<String> health = get(statusUrl + "health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(health.body()).startsWith("{\"status\":\"UP\"").contains("relay", "provisioner", "ssot-projector", "reconciler");

        // when a second up starts on the same data directory, it is refused and the first keeps running
        PackagedSsot.Result second = ssot.run(COMMAND, "up");
        assertThat(second.exitCode()).as(second.output()).isNotZero();
        assertThat(second.output()).contains("already running");
        assertThat(get(statusUrl + "health").statusCode()).isEqualTo(200);

        // when another terminal provisions a number, check and dropdown show it
        PackagedSsot.Result provision = ssot.run(COMMAND, "provision", "--org", ORG, "--area-code", "415");
        assertThat(provision.exitCode()).as(provision.output()).isZero();
        assertThat(provision.output()).contains("Result: SUCCEEDED");
        Matcher phone = PHONE.matcher(provision.output());
        assertThat(phone.find()).as(provision.output()).isTrue();
        String number = phone.group(1);
        assertCompliant(ssot, number);

        // and the SSOT row of another number is lost: a violation opens
        PackagedSsot.Result lost = ssot.run(COMMAND, "provision", "--org", ORG, "--area-code", "212");
        assertThat(lost.exitCode()).as(lost.output()).isZero();
        Matcher lostPhone = PHONE.matcher(lost.output());
        assertThat(lostPhone.find()).as(lost.output()).isTrue();
        String lostNumber = lostPhone.group(1);
        String bootstrap = up.printed("KAFKA_BOOTSTRAP_SERVERS").orElseThrow();
        String jdbcUrl = up.printed("DATABASE_URL").orElseThrow();
        await().atMost(Duration.ofSeconds(60)).until(() -> PackagedUp.count(jdbcUrl, "SELECT count(*) FROM org_credentials WHERE phone_number = '"
                + lostNumber + "'") == 1);
        PackagedUp.execute(jdbcUrl, "DELETE FROM org_credentials WHERE phone_number = '" + lostNumber + "'");
        String lostKey = ORG_ID + "|" + lostNumber;
        await().atMost(GRACE.plusSeconds(60)).until(() -> PackagedUp.states(bootstrap, lostKey).equals(List.of(ViolationState.OPEN)));

        Map<String, Long> rowsBefore = rowCounts(jdbcUrl);
        Map<TopicPartition, OffsetAndMetadata> offsetsBefore = projectorOffsets(bootstrap);
        List<String> violationsBefore = PackagedUp.violationRecords(bootstrap);
        assertThat(offsetsBefore).as("the projector committed offsets").isNotEmpty();

        // when Ctrl-C: exit 0 within 30 s, nothing left running, the discovery file gone
        PackagedUp.stop(ssot, up);

        // when up runs again on the same data directory: everything is still there
        up = PackagedUp.startUp(ssot, COMMAND);
        assertNoUnexpectedWarnings(up);
        assertSchemaKept(up, registered.body());
        String bootstrapAgain = up.printed("KAFKA_BOOTSTRAP_SERVERS").orElseThrow();
        String jdbcAgain = up.printed("DATABASE_URL").orElseThrow();
        assertThat(rowCounts(jdbcAgain)).as("numbers, SSOT rows, sagas after a restart").isEqualTo(rowsBefore);
        Map<TopicPartition, OffsetAndMetadata> offsetsAgain = projectorOffsets(bootstrapAgain);
        offsetsBefore.forEach((tp, offset) ->
                assertThat(offsetsAgain.get(tp).offset()).as("committed offset of " + tp).isGreaterThanOrEqualTo(offset.offset()));
        // and the restart itself raises nothing: past the grace, the violation topic holds exactly what it held
        await().during(GRACE.multipliedBy(2)).atMost(GRACE.multipliedBy(2).plusSeconds(60))
                .until(() -> PackagedUp.violationRecords(bootstrapAgain).equals(violationsBefore));
        PackagedSsot.Result violations = ssot.run(COMMAND, "violations");
        assertThat(violations.exitCode()).as(violations.output()).isEqualTo(1);
        assertThat(violations.output()).contains("1 open violation(s)", lostNumber);
        PackagedSsot.Result dropdown = ssot.run(COMMAND, "dropdown", "--org", ORG);
        assertThat(dropdown.output()).contains(number).doesNotContain(lostNumber);
        assertInventoryKept(ssot);

        // and the lost row is healed by a backfill: the violation resolves
        PackagedSsot.Result backfill = ssot.run(COMMAND, "backfill", "--from-beginning");
        assertThat(backfill.exitCode()).as(backfill.output()).isZero();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> PackagedUp.states(bootstrapAgain, lostKey).equals(List.of(ViolationState.OPEN, ViolationState.RESOLVED)));
        assertCompliant(ssot, lostNumber);
        Map<String, Long> rowsHealed = rowCounts(jdbcAgain);
        assertThat(rowsHealed.get("SSOT rows")).isEqualTo(rowsBefore.get("SSOT rows") + 1);

        // when up is killed with kill -9, its PostgreSQL is orphaned ...
        up.process.destroyForcibly();
        assertThat(up.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ssot.processesLeft()).as("kill -9 of up orphans its PostgreSQL").isNotEmpty();

        // ... and the next up stops it by itself and comes up with the earlier numbers and schema ids
        up = PackagedUp.startUp(ssot, COMMAND);
        assertThat(rowCounts(up.printed("DATABASE_URL").orElseThrow())).isEqualTo(rowsHealed);
        assertSchemaKept(up, registered.body());
        assertCompliant(ssot, number);
        assertCompliant(ssot, lostNumber);
        assertInventoryKept(ssot);
        PackagedSsot.Result audit = ssot.run(COMMAND, "audit");
        assertThat(audit.exitCode()).as(audit.output()).isZero();
        PackagedUp.stop(ssot, up);
    }

    /** What {@code up} wrote to the discovery file for the other commands. */
    private static Map<String, String> discovered(PackagedSsot ssot) throws Exception {
        Properties props = new Properties();
        try (var in = Files.newInputStream(ssot.dataDir().resolve("stack.properties"))) {
            props.load(in);
        }
        Map<String, String> values = new LinkedHashMap<>();
        props.forEach((k, v) -> values.put(k.toString(), v.toString()));
        return values;
    }

    private static HttpResponse<String> registerSchema(String registryUrl, String subject) throws Exception {
        String schema = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"UpIt\\\",\\\"fields\\\":[{\\\"name\\\":\\\"v\\\",\\\"type\\\":\\\"string\\\"}]}";
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registryUrl + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"" + schema + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The restarted up's registry (printed and in the discovery file) still holds the schema, under the same id. */
    private static void assertSchemaKept(PackagedSsot.Running up, String registeredBefore) throws Exception {
        String registryUrl = up.printed("SCHEMA_REGISTRY_URL").orElseThrow();
        assertThat(get(registryUrl + "/subjects").body()).contains("\"ssot-up-it-value\"");
        HttpResponse<String> again = registerSchema(registryUrl, "ssot-up-it-value");
        assertThat(again.body()).as("the same schema id after a restart").isEqualTo(registeredBefore);
    }

    /** The simulated Twilio and Vapi still own and hold what was bought before the restart (as the real ones would). */
    private static void assertInventoryKept(PackagedSsot ssot) throws Exception {
        PackagedSsot.Result audit = ssot.run(COMMAND, "audit");
        assertThat(audit.output()).as(audit.output()).contains("Twilio owns 2, Vapi has 2 imports, database has 2 active managed numbers",
                "Inventory is consistent.");
    }

    /** A clean start or restart warns only that the providers are simulated. */
    private static void assertNoUnexpectedWarnings(PackagedSsot.Running up) {
        assertThat(up.lines()).as(up.describe()).noneMatch(l -> (l.contains(" WARN ") || l.contains(" ERROR ")) && !l.contains("SIMULATED"));
    }

    private static void assertCompliant(PackagedSsot ssot, String number) throws Exception {
        PackagedSsot.Result check = ssot.run(COMMAND, "check", "--org", ORG);
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("Voxanne Demo Clinic", ORG_ID, number, "Verdict: COMPLIANT");
        PackagedSsot.Result dropdown = ssot.run(COMMAND, "dropdown", "--org", ORG);
        assertThat(dropdown.exitCode()).as(dropdown.output()).isZero();
        assertThat(dropdown.output()).contains(number);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Long> rowCounts(String jdbcUrl) throws Exception {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("managed numbers", PackagedUp.count(jdbcUrl, "SELECT count(*) FROM managed_phone_numbers WHERE status = 'active'"));
        counts.put("SSOT rows", PackagedUp.count(jdbcUrl, "SELECT count(*) FROM org_credentials"));
        counts.put("finished sagas", PackagedUp.count(jdbcUrl, "SELECT count(*) FROM provisioning_requests WHERE state = 'COMPLETED'"));
        counts.put("organisations", PackagedUp.count(jdbcUrl, "SELECT count(*) FROM organizations"));
        return counts;
    }

    private static Map<TopicPartition, OffsetAndMetadata> projectorOffsets(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.listConsumerGroupOffsets("ssot-projector").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        }
    }
}

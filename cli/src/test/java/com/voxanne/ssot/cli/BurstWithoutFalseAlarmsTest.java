package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.reconciler.audit.SsotAudit;
import com.voxanne.ssot.reconciler.violations.ViolationsReader;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The grace period exists so that the normal delay between a managed number and its SSOT row is never an
 * alarm: a burst of 5,000 provisions, with the projector slowed on purpose (but below the grace), must
 * raise no violation at all.
 */
class BurstWithoutFalseAlarmsTest {
    private static final int ORGS = 250;
    private static final int PER_ORG = 20;
    // far above the normal lag, which on a loaded 2-core machine (everything in one JVM) can reach several seconds
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration PROJECTOR_DELAY = Duration.ofSeconds(1);

    @TempDir
    Path dataDir;

    @Test
    void shouldRaiseNoViolationForABurstOfProvisionsWhileTheProjectorLagsBelowTheGrace() throws Exception {
        try (TestPipeline tp = TestPipeline.start("burst", dataDir, Map.of(
                "SSOT_GRACE", GRACE.toSeconds() + "s",
                "PROJECTOR_BATCH_DELAY", PROJECTOR_DELAY.toMillis() + "ms",
                "PROVISIONER_WORKERS", "16"))) {
            List<String> orgs = insertOrgs(tp);
            Topics topics = tp.pipeline.context().config().topics();

            long started = System.nanoTime();
            publishBurst(tp, topics, orgs);

            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(count(tp, "SELECT count(*) FROM managed_phone_numbers WHERE status = 'active'")).isEqualTo(ORGS * PER_ORG));
            double provisioned = (System.nanoTime() - started) / 1e9;
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(count(tp, "SELECT count(*) FROM org_credentials WHERE is_managed")).isEqualTo(ORGS * PER_ORG));
            System.out.printf("burst: %d provisions recorded in %.1f s, all in the SSOT after %.1f s%n", ORGS * PER_ORG,
                    provisioned, (System.nanoTime() - started) / 1e9);
            // every "non-compliant since" recorded during the burst must outlive the grace without becoming an alarm
            try (ViolationsReader reader = new ViolationsReader(tp.pipeline.context().kafka(), topics.violations())) {
                await().during(GRACE.plusSeconds(2)).atMost(GRACE.plusSeconds(30)).pollInterval(Duration.ofSeconds(2))
                        .untilAsserted(() -> assertThat(reader.snapshot(Duration.ofSeconds(20)).latest())
                                .as("violations raised during the burst").isEmpty());
            }
            assertThat(new SsotAudit(tp.db.dataSource()).findings()).isEmpty();
        }
    }

    private static void publishBurst(TestPipeline tp, Topics topics, List<String> orgs) throws Exception {
        Topic<String, ProvisionNumberRequest> requests = topics.provisioningRequests();
        String[] areaCodes = {"415", "628", "212", "646", "305"};
        try (KafkaProducer<String, ProvisionNumberRequest> producer = new KafkaProducer<>(
                tp.pipeline.context().kafka().producer("burst-test"), new StringSerializer(), requests.valueSerde().serializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < PER_ORG; i++) {
                for (int o = 0; o < orgs.size(); o++) {
                    String org = orgs.get(o);
                    ProvisionNumberRequest r = ProvisionCommand.request(UUID.randomUUID().toString(), org, "US",
                            areaCodes[(o + i) % areaCodes.length], "burst " + i);
                    sent.add(producer.send(new ProducerRecord<>(requests.name(), org, r)));
                }
            }
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
    }

    private static List<String> insertOrgs(TestPipeline tp) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = tp.db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO organizations (id, name, email) VALUES (?::uuid, ?, ?)")) {
            for (int i = 0; i < ORGS; i++) {
                String id = UUID.randomUUID().toString();
                ps.setString(1, id);
                ps.setString(2, "Burst Clinic " + i);
                ps.setString(3, "burst" + i + "@clinic.example");
                ps.addBatch();
                ids.add(id);
            }
            ps.executeBatch();
            c.commit();
        }
        return ids;
    }

    private static long count(TestPipeline tp, String sql) throws Exception {
        try (Connection c = tp.db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            long n = rs.getLong(1);
            c.rollback();
            return n;
        }
    }
}

package com.voxanne.ssot.projector;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.projector.ProjectorFixture.SsotRecord;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TwoInstancesTest {

    @Test
    void shouldWriteEveryRowExactlyOnceWithNoRegressionWhenTwoInstancesShareSixPartitions() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_two_instances", 6)) {
            // given: 30 orgs x 20 numbers, each with three versions, shuffled (older ones often arrive last)
            List<UUID> orgs = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                orgs.add(fixture.newOrg());
            }
            Instant t0 = Instant.now().minusSeconds(3600);
            List<NumberProvisioned> events = new ArrayList<>();
            Map<String, NumberProvisioned> newest = new HashMap<>();
            for (UUID org : orgs) {
                for (int n = 0; n < 20; n++) {
                    String phone = newPhone();
                    for (int v = 0; v < 3; v++) {
                        NumberProvisioned e = event(org, phone, t0.plusSeconds(v * 60L + n));
                        events.add(e);
                        newest.put(org + "|" + phone, e);
                    }
                }
            }
            Collections.shuffle(events, new Random(42));
            // any UPDATE that moves a row to an older event is recorded: there must be none
            fixture.execute("CREATE TABLE test_regressions (phone_number text, old_version bigint, new_version bigint)");
            fixture.execute("""
                    CREATE FUNCTION test_record_regression() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      IF (NEW.version, NEW.last_event_id) < (OLD.version, OLD.last_event_id) THEN
                        INSERT INTO test_regressions VALUES (NEW.phone_number, OLD.version, NEW.version);
                      END IF;
                      RETURN NEW;
                    END $$""");
            fixture.execute("CREATE TRIGGER test_no_regression BEFORE UPDATE ON org_credentials"
                    + " FOR EACH ROW EXECUTE FUNCTION test_record_regression()");
            ProjectorSettings small = fixture.settings().withMaxPollRecords(100); // many batches, interleaved
            SimpleMeterRegistry registryA = new SimpleMeterRegistry();
            SimpleMeterRegistry registryB = new SimpleMeterRegistry();

            // when: instance A starts, half the stream arrives, instance B joins (rebalance mid-stream), the rest arrives
            ProjectorService a = fixture.startProjector(small, registryA);
            fixture.send(events.subList(0, events.size() / 2));
            ProjectorService b = fixture.startProjector(small, registryB);
            fixture.send(events.subList(events.size() / 2, events.size()));

            // then
            await("every key at its newest event").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        Map<String, SsotRecord> rows = fixture.rows();
                        return rows.size() == newest.size() && newest.entrySet().stream().allMatch(e ->
                                rows.get(e.getKey()) != null
                                        && rows.get(e.getKey()).lastEventId().toString().equals(e.getValue().getEventId()));
                    });
            assertThat(fixture.rowCount()).isEqualTo(600);
            assertThat(fixture.scalar("SELECT count(*) FROM test_regressions")).isZero();
            assertThat(Meters.rows(registryA, "updated") + Meters.rows(registryB, "updated")).isPositive();
            assertThat(Meters.rows(registryA, "inserted") + Meters.rows(registryB, "inserted")).isEqualTo(600);
            await("both instances own partitions").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat((Integer) a.health().details().get("assignedPartitions")).isPositive();
                assertThat((Integer) b.health().details().get("assignedPartitions")).isPositive();
            });
            fixture.rows().forEach((key, row) -> {
                NumberProvisioned e = newest.get(key);
                assertThat(row.version()).as(key).isEqualTo(e.getProvisionedAt().toEpochMilli());
                assertThat(row.vapiPhoneId()).as(key).isEqualTo(e.getVapiPhoneId());
            });
        }
    }
}

package com.voxanne.ssot.projector;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.projector.ProjectorFixture.SsotRecord;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PostgresOutageTest {

    @Test
    void shouldLoseNothingAndApplyNothingTwiceWhenPostgresStopsForTenSecondsMidStream() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_outage", 3)) {
            // given: a projector that has written 200 rows
            List<UUID> orgs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                orgs.add(fixture.newOrg());
            }
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ProjectorService projector = fixture.startProjector(registry);
            Map<String, NumberProvisioned> newest = new HashMap<>();
            Instant t0 = Instant.now().minusSeconds(3600);
            List<NumberProvisioned> before = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                before.add(event(orgs.get(i % orgs.size()), newPhone(), t0.plusMillis(i)));
            }
            fixture.send(before);
            before.forEach(e -> newest.put(e.getOrgId() + "|" + e.getPhoneNumber(), e));
            fixture.awaitRowCount(200, Duration.ofSeconds(30));

            // when: PostgreSQL stops, 300 new numbers and 50 newer events for existing numbers arrive meanwhile
            fixture.stack.stopPostgres();
            Instant stoppedAt = Instant.now();
            List<NumberProvisioned> during = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                during.add(event(orgs.get(i % orgs.size()), newPhone(), t0.plusSeconds(10).plusMillis(i)));
            }
            for (int i = 0; i < 50; i++) {
                NumberProvisioned old = before.get(i * 4);
                during.add(event(UUID.fromString(old.getOrgId()), old.getPhoneNumber(), t0.plusSeconds(20).plusMillis(i)));
            }
            fixture.send(during);
            during.forEach(e -> newest.put(e.getOrgId() + "|" + e.getPhoneNumber(), e));
            try {
                await("projector DEGRADED while PostgreSQL is down").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> projector.health().status() == ComponentHealth.Status.DEGRADED);
                assertThat(projector.health().details().get("reason").toString())
                        .contains("SSOT write failing since").contains("attempts");
                await("PostgreSQL down for 10 s with the projector retrying").atMost(Duration.ofSeconds(40))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> Duration.between(stoppedAt, Instant.now()).toSeconds() >= 10
                                && projector.health().status() == ComponentHealth.Status.DEGRADED);
                assertThat(Meters.retries(registry)).isGreaterThanOrEqualTo(3);
            } finally {
                fixture.stack.startPostgres();
            }

            // then: it catches up by itself, every key at its newest event, nothing inserted or updated twice
            await("projector caught up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Meters.rows(registry, "inserted") + Meters.rows(registry, "updated")
                            + Meters.rows(registry, "unchanged") >= 550);
            Map<String, SsotRecord> rows = fixture.rows();
            assertThat(rows).hasSize(500);
            newest.forEach((key, e) -> {
                SsotRecord row = rows.get(key);
                assertThat(row).as(key).isNotNull();
                assertThat(row.lastEventId()).as(key).hasToString(e.getEventId());
                assertThat(row.version()).as(key).isEqualTo(e.getProvisionedAt().toEpochMilli());
                assertThat(row.vapiPhoneId()).as(key).isEqualTo(e.getVapiPhoneId());
            });
            assertThat(Meters.rows(registry, "inserted")).isEqualTo(500);
            assertThat(Meters.rows(registry, "updated")).isEqualTo(50);
            assertThat(Meters.rows(registry, "unchanged")).isZero();
            assertThat(Meters.deadLettered(registry)).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> projector.health().status() == ComponentHealth.Status.UP);
        }
    }
}

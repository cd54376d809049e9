package com.voxanne.ssot.projector;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.projector.ProjectorFixture.SsotRecord;
import com.voxanne.ssot.projector.consumer.ProjectorMetrics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One live projector for the class; every test uses its own organisation, so tests do not see each other's rows. */
class ProjectorIdempotencyTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static ProjectorFixture fixture;
    private static SimpleMeterRegistry registry;
    private static ProjectorService projector;

    @BeforeAll
    static void startProjector() throws Exception {
        fixture = new ProjectorFixture("projector_idempotency", 3);
        registry = new SimpleMeterRegistry();
        projector = fixture.startProjector(registry);
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    private static SsotRecord awaitRow(UUID org, String phone) {
        return await("SSOT row of " + phone).atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                .until(() -> fixture.rows().get(org + "|" + phone), r -> r != null);
    }

    private static void awaitUnchanged(long expected) {
        await("unchanged counter reaches " + expected).atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                .until(() -> Meters.rows(registry, "unchanged"), n -> n >= expected);
    }

    private static long processed() {
        return Meters.rows(registry, "inserted") + Meters.rows(registry, "updated") + Meters.rows(registry, "unchanged");
    }

    @Test
    void shouldWriteOneManagedRowWhenOneEventArrives() throws Exception {
        // given
        UUID org = fixture.newOrg();
        String phone = newPhone();
        NumberProvisioned event = event(org, phone, Instant.parse("2026-02-09T23:33:02.123Z"));

        // when
        fixture.send(event);

        // then
        SsotRecord row = awaitRow(org, phone);
        assertThat(row.provider()).isEqualTo("twilio");
        assertThat(row.vapiPhoneId()).isEqualTo(event.getVapiPhoneId());
        assertThat(row.twilioSid()).isEqualTo(event.getTwilioSid());
        assertThat(row.isManaged()).isTrue();
        assertThat(row.lastEventId()).hasToString(event.getEventId());
        assertThat(row.version()).isEqualTo(event.getProvisionedAt().toEpochMilli());
        assertThat(fixture.scalar("SELECT count(*) FROM org_credentials WHERE org_id = '" + org + "'")).isEqualTo(1);
        assertThat(projector.health().status()).isEqualTo(ComponentHealth.Status.UP);
    }

    @Test
    void shouldLeaveTheRowUnchangedWhenTheSameEventArrivesFiveTimes() throws Exception {
        // given
        UUID org = fixture.newOrg();
        String phone = newPhone();
        NumberProvisioned event = event(org, phone, Instant.now());
        fixture.send(event);
        SsotRecord first = awaitRow(org, phone);
        long unchangedBefore = Meters.rows(registry, "unchanged");

        // when
        fixture.send(Collections.nCopies(5, event));

        // then
        awaitUnchanged(unchangedBefore + 5);
        assertThat(fixture.rows().get(org + "|" + phone)).isEqualTo(first); // updated_at included: not even touched
        assertThat(fixture.scalar("SELECT count(*) FROM org_credentials WHERE org_id = '" + org + "'")).isEqualTo(1);
    }

    @Test
    void shouldKeepTheNewerValuesWhenAnOlderEventArrivesAfterANewerOne() throws Exception {
        // given
        UUID org = fixture.newOrg();
        String phone = newPhone();
        Instant at = Instant.now();
        NumberProvisioned newer = event(org, phone, at);
        NumberProvisioned older = event(org, phone, at.minusSeconds(60));
        fixture.send(newer);
        SsotRecord written = awaitRow(org, phone);
        long unchangedBefore = Meters.rows(registry, "unchanged");

        // when
        fixture.send(older);

        // then
        awaitUnchanged(unchangedBefore + 1);
        SsotRecord after = fixture.rows().get(org + "|" + phone);
        assertThat(after).isEqualTo(written);
        assertThat(after.vapiPhoneId()).isEqualTo(newer.getVapiPhoneId());
        assertThat(after.lastEventId()).hasToString(newer.getEventId());
    }

    @Test
    void shouldMoveTheRowToANewerEventForTheSameNumber() throws Exception {
        // given
        UUID org = fixture.newOrg();
        String phone = newPhone();
        Instant at = Instant.now();
        fixture.send(event(org, phone, at));
        awaitRow(org, phone);

        // when
        NumberProvisioned reimported = event(org, phone, at.plusSeconds(5));
        fixture.send(reimported);

        // then
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                .until(() -> fixture.rows().get(org + "|" + phone).lastEventId().toString(),
                        id -> id.equals(reimported.getEventId()));
        SsotRecord row = fixture.rows().get(org + "|" + phone);
        assertThat(row.vapiPhoneId()).isEqualTo(reimported.getVapiPhoneId());
        assertThat(row.version()).isEqualTo(reimported.getProvisionedAt().toEpochMilli());
    }

    @Test
    void shouldBreakAVersionTieDeterministicallyByEventIdWhateverTheArrivalOrder() throws Exception {
        // given: two different events with the same provisionedAt, for two numbers, sent in opposite orders
        UUID org = fixture.newOrg();
        Instant at = Instant.now();
        String phoneA = newPhone();
        String phoneB = newPhone();
        NumberProvisioned a1 = event(org, phoneA, at);
        NumberProvisioned a2 = event(org, phoneA, at);
        NumberProvisioned b1 = event(org, phoneB, at);
        NumberProvisioned b2 = event(org, phoneB, at);
        String winnerA = a1.getEventId().compareTo(a2.getEventId()) > 0 ? a1.getEventId() : a2.getEventId();
        String winnerB = b1.getEventId().compareTo(b2.getEventId()) > 0 ? b1.getEventId() : b2.getEventId();

        long processedBefore = processed();

        // when
        fixture.send(a1, a2);
        fixture.send(b2, b1);

        // then
        await("all four events processed").atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                .until(ProjectorIdempotencyTest::processed, n -> n >= processedBefore + 4);
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            assertThat(fixture.rows().get(org + "|" + phoneA)).extracting(r -> r.lastEventId().toString()).isEqualTo(winnerA);
            assertThat(fixture.rows().get(org + "|" + phoneB)).extracting(r -> r.lastEventId().toString()).isEqualTo(winnerB);
        });
        assertThat(registry.get(ProjectorMetrics.BATCH_SIZE).summary().count()).isPositive();
    }
}

package com.voxanne.ssot.projector;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static com.voxanne.ssot.projector.ProjectorFixture.released;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.projector.backfill.Backfill;
import com.voxanne.ssot.projector.backfill.BackfillListener;
import com.voxanne.ssot.projector.backfill.StartFrom;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NumberReleased on the real broker and PostgreSQL: the SSOT row is removed (the dropdown stops offering it), and the
 * release is remembered so that an older NumberProvisioned (a replay, a backfill) never brings it back.
 */
class ReleasedNumbersTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final Instant PROVISIONED = Instant.parse("2026-03-01T10:00:00.000Z");
    private static ProjectorFixture fixture;
    private static SimpleMeterRegistry registry;

    @BeforeAll
    static void startProjector() throws Exception {
        fixture = new ProjectorFixture("projector_releases", 3);
        registry = new SimpleMeterRegistry();
        fixture.startProjector(registry);
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    private static void awaitRow(UUID org, String phone, boolean present) {
        await("SSOT row of " + phone + (present ? " offered" : " gone")).atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                .until(() -> fixture.rows().containsKey(org + "|" + phone) == present);
    }

    private static long processed() {
        return Meters.rows(registry, "inserted") + Meters.rows(registry, "updated") + Meters.rows(registry, "unchanged");
    }

    /** Sends and waits until the projector has accounted for everything sent so far (so an absence is a verdict). */
    private static void sendAndAwaitProcessed(Runnable send, int records) {
        long before = processed();
        send.run();
        await("the projector processed " + records + " more").atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                .until(() -> processed() >= before + records);
    }

    @Test
    void shouldRemoveTheRowAndRememberTheReleaseWhenTheNumberIsReleased() throws Exception {
        // given an offered number
        UUID org = fixture.newOrg();
        String phone = newPhone();
        NumberProvisioned provisioned = event(org, phone, PROVISIONED);
        fixture.send(provisioned);
        awaitRow(org, phone, true);

        // when it is released, twice (a redelivery)
        var release = released(provisioned, PROVISIONED.plusSeconds(3600));
        fixture.sendReleased(release, release);

        // then the row is gone, the release remembered with its version
        awaitRow(org, phone, false);
        assertThat(fixture.scalar("SELECT count(*) FROM ssot_released_numbers WHERE org_id = '" + org + "' AND phone_number = '"
                + phone + "' AND version = " + release.getReleasedAt().toEpochMilli())).isEqualTo(1);
    }

    @Test
    void shouldNeverResurrectAReleasedNumberWhenItsOlderProvisionIsReplayedLiveOrByABackfill() throws Exception {
        // given a provisioned then released number
        UUID org = fixture.newOrg();
        String phone = newPhone();
        NumberProvisioned provisioned = event(org, phone, PROVISIONED);
        fixture.send(provisioned);
        awaitRow(org, phone, true);
        fixture.sendReleased(released(provisioned, PROVISIONED.plusSeconds(60)));
        awaitRow(org, phone, false);

        // when the provision is redelivered
        sendAndAwaitProcessed(() -> send(provisioned), 1);

        // then it changes nothing
        assertThat(fixture.rows()).doesNotContainKey(org + "|" + phone);

        // when a backfill replays the whole log (provision, release, provision again)
        new Backfill(fixture.kafka, fixture.typedTopic(), fixture.db.dataSource(), new SimpleMeterRegistry(), Redactor.none(),
                fixture.settings().withMaxPollRecords(100), Duration.ofSeconds(30))
                .run(StartFrom.beginning(), false, BackfillListener.NONE);

        // then the rebuilt SSOT does not offer it either
        assertThat(fixture.rows()).doesNotContainKey(org + "|" + phone);
    }

    @Test
    void shouldIgnoreAProvisionThatArrivesAfterItsOwnReleaseAndOfferANumberBoughtAgain() throws Exception {
        // given a release that overtook its provision (out of order)
        UUID org = fixture.newOrg();
        String phone = newPhone();
        NumberProvisioned provisioned = event(org, phone, PROVISIONED);
        fixture.sendReleased(released(provisioned, PROVISIONED.plusSeconds(60)));
        await().atMost(WITHIN).until(() -> fixture.scalar("SELECT count(*) FROM ssot_released_numbers WHERE phone_number = '"
                + phone + "'") == 1);

        // when the older provision comes
        sendAndAwaitProcessed(() -> send(provisioned), 1);

        // then the number is not offered
        assertThat(fixture.rows()).doesNotContainKey(org + "|" + phone);

        // when the same org buys the number again later
        NumberProvisioned again = event(org, phone, PROVISIONED.plusSeconds(7200));
        fixture.send(again);

        // then it is offered again, under the new event
        awaitRow(org, phone, true);
        assertThat(fixture.rows().get(org + "|" + phone).lastEventId()).hasToString(again.getEventId());
    }

    private static void send(NumberProvisioned event) {
        try {
            fixture.send(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

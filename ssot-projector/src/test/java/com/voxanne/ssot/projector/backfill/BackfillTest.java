package com.voxanne.ssot.projector.backfill;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.projector.ProjectorFixture;
import com.voxanne.ssot.projector.ProjectorFixture.SsotRecord;
import com.voxanne.ssot.projector.ProjectorService;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.junit.jupiter.api.Test;

class BackfillTest {

    private static Backfill backfill(ProjectorFixture fixture) {
        return new Backfill(fixture.kafka, fixture.typedTopic(), fixture.db.dataSource(), new SimpleMeterRegistry(),
                Redactor.none(), fixture.settings().withMaxPollRecords(100), Duration.ofSeconds(30));
    }

    /** 3 orgs x 40 numbers; every third number also re-imported later (an update); one poison record. */
    private static List<NumberProvisioned> history(ProjectorFixture fixture) throws Exception {
        List<NumberProvisioned> events = new ArrayList<>();
        Instant t0 = Instant.parse("2026-01-25T13:23:10Z");
        for (int o = 0; o < 3; o++) {
            UUID org = fixture.newOrg();
            for (int n = 0; n < 40; n++) {
                String phone = newPhone();
                events.add(event(org, phone, t0.plusSeconds(n)));
                if (n % 3 == 0) {
                    events.add(event(org, phone, t0.plusSeconds(1000 + n)));
                }
            }
        }
        return events;
    }

    private static Map<String, SsotRecord> contents(ProjectorFixture fixture) throws Exception {
        return fixture.rows().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().content()));
    }

    @Test
    void shouldRestoreEveryRowExactlyWhenBackfillingFromTheBeginningAfterTheSsotWasEmptied() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_restore", 3)) {
            // given: the live projector wrote the SSOT from the log, then the SSOT was lost
            List<NumberProvisioned> events = history(fixture);
            NumberProvisioned poison = event(UUID.randomUUID(), newPhone(), Instant.now()); // unknown organisation
            fixture.send(events);
            fixture.send(poison);
            ProjectorService live = fixture.startProjector();
            fixture.awaitRowCount(120, Duration.ofSeconds(30));
            fixture.deadLetters(1);
            Map<String, SsotRecord> before = contents(fixture);
            live.close();
            fixture.execute("DELETE FROM org_credentials");
            assertThat(fixture.rowCount()).isZero();

            // when
            List<BackfillProgress> progress = new CopyOnWriteArrayList<>();
            BackfillSummary summary = backfill(fixture).run(StartFrom.beginning(), false, progress::add);

            // then: every row exactly as it was (all columns the events determine)
            assertThat(contents(fixture)).isEqualTo(before);
            assertThat(summary.records()).isEqualTo(events.size() + 1);
            assertThat(summary.inserted()).isEqualTo(120);
            assertThat(summary.inserted() + summary.updated() + summary.unchanged()).isEqualTo(events.size());
            assertThat(summary.deadLettered()).isEqualTo(1);
            assertThat(summary.dryRun()).isFalse();
            assertThat(progress).isNotEmpty();
            BackfillProgress last = progress.get(progress.size() - 1);
            assertThat(last.done()).isEqualTo(last.total()).isEqualTo(events.size() + 1);
            assertThat(last.fraction()).isEqualTo(1.0);
            assertThat(fixture.stack.admin().listConsumerGroups().all().get().stream()
                    .map(ConsumerGroupListing::groupId)).noneMatch(g -> g.startsWith("ssot-backfill"));
        }
    }

    @Test
    void shouldChangeNothingWhenReplayingALogThatIsAlreadyApplied() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_noop", 3)) {
            // given
            List<NumberProvisioned> events = history(fixture);
            fixture.send(events);
            fixture.startProjector();
            fixture.awaitRowCount(120, Duration.ofSeconds(30));
            Map<String, SsotRecord> before = fixture.rows();

            // when
            BackfillSummary summary = backfill(fixture).run(StartFrom.beginning(), false, BackfillListener.NONE);

            // then: not a row touched, not even updated_at
            assertThat(summary.inserted()).isZero();
            assertThat(summary.updated()).isZero();
            assertThat(summary.unchanged()).isEqualTo(events.size());
            assertThat(fixture.rows()).isEqualTo(before);
        }
    }

    @Test
    void shouldReportWhatWouldChangeAndWriteNothingOnADryRun() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_dry_run", 3)) {
            // given: an SSOT that lost 30 of its 120 rows, and one that is stale
            List<NumberProvisioned> events = history(fixture);
            fixture.send(events);
            ProjectorService live = fixture.startProjector();
            fixture.awaitRowCount(120, Duration.ofSeconds(30));
            live.close();
            fixture.execute("DELETE FROM org_credentials WHERE id IN (SELECT id FROM org_credentials ORDER BY id LIMIT 30)");
            fixture.execute("UPDATE org_credentials SET version = 0, vapi_phone_id = NULL"
                    + " WHERE id = (SELECT max(id) FROM org_credentials)");
            Map<String, SsotRecord> damaged = fixture.rows();

            // when
            BackfillSummary dry = backfill(fixture).run(StartFrom.beginning(), true, BackfillListener.NONE);

            // then: nothing written, and a real run does exactly what the dry run said
            assertThat(fixture.rows()).isEqualTo(damaged);
            assertThat(dry.dryRun()).isTrue();
            assertThat(dry.inserted()).isEqualTo(30);
            assertThat(dry.updated()).isPositive(); // the stale row (once per batch holding one of its events)
            BackfillSummary real = backfill(fixture).run(StartFrom.beginning(), false, BackfillListener.NONE);
            assertThat(List.of(real.inserted(), real.updated(), real.unchanged(), real.deadLettered()))
                    .isEqualTo(List.of(dry.inserted(), dry.updated(), dry.unchanged(), dry.deadLettered()));
            assertThat(fixture.rowCount()).isEqualTo(120);
        }
    }

    @Test
    void shouldReplayOnlyTheEventsSinceTheTimestampWhenGivenOne() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_since", 3)) {
            // given: 20 events logged an hour ago, 10 logged now
            UUID org = fixture.newOrg();
            long anHourAgo = System.currentTimeMillis() - 3_600_000;
            List<NumberProvisioned> old = new ArrayList<>();
            List<NumberProvisioned> recent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                old.add(event(org, newPhone(), Instant.ofEpochMilli(anHourAgo)));
            }
            for (int i = 0; i < 10; i++) {
                recent.add(event(org, newPhone(), Instant.now()));
            }
            fixture.sendAt(anHourAgo, old);
            fixture.sendAt(System.currentTimeMillis(), recent);

            // when
            BackfillSummary summary = backfill(fixture)
                    .run(StartFrom.timestamp(Instant.ofEpochMilli(anHourAgo + 60_000)), false, BackfillListener.NONE);

            // then
            assertThat(summary.records()).isEqualTo(10);
            assertThat(fixture.rows().keySet())
                    .containsExactlyInAnyOrderElementsOf(recent.stream().map(e -> e.getOrgId() + "|" + e.getPhoneNumber()).toList());
        }
    }
}

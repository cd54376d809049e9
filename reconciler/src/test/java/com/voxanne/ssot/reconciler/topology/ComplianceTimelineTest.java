package com.voxanne.ssot.reconciler.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.voxanne.ssot.reconciler.query.EpisodeView;
import com.voxanne.ssot.reconciler.query.StoreAccess;
import com.voxanne.ssot.reconciler.query.TimelineQueries;
import com.voxanne.ssot.reconciler.testing.Cdc.Credentials;
import com.voxanne.ssot.reconciler.testing.Cdc.Managed;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compliance timeline (episodes store) under TopologyTestDriver: each episode from its OPEN to its RESOLVED with
 * what resolved it, queried per organisation by prefix and over all organisations, purged after the retention.
 */
class ComplianceTimelineTest {
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Instant START = Instant.parse("2026-02-11T10:00:00Z");

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> managedIn;
    private TestInputTopic<String, String> credentialsIn;
    private TestOutputTopic<String, SsotViolation> violations;
    private TimelineQueries timeline;
    private long elapsedMillis;

    private final String org = UUID.randomUUID().toString();
    private final Managed number = new Managed(UUID.randomUUID().toString(), org, "+14158497226", "vapi-" + UUID.randomUUID());

    @BeforeEach
    void startDriver() {
        ReconcilerTopologyConfig config = ReconcilerTopologyConfig.of(ReconcilerTopologyTest.MANAGED_TOPIC,
                        ReconcilerTopologyTest.CREDENTIALS_TOPIC, ReconcilerTopologyTest.VIOLATIONS_TOPIC, GRACE)
                .withPunctuationInterval(TICK)
                .withTimelineRetention(RETENTION);
        driver = new TopologyTestDriver(ReconcilerTopology.buildTopology(config), ReconcilerTopologyTest.props(stateDir),
                START);
        managedIn = driver.createInputTopic(ReconcilerTopologyTest.MANAGED_TOPIC, new StringSerializer(), new StringSerializer());
        credentialsIn = driver.createInputTopic(ReconcilerTopologyTest.CREDENTIALS_TOPIC, new StringSerializer(),
                new StringSerializer());
        violations = driver.createOutputTopic(ReconcilerTopologyTest.VIOLATIONS_TOPIC, new StringDeserializer(),
                AvroSerde.of(SsotViolation.class));
        timeline = new TimelineQueries(new StoreAccess() {
            @Override
            public <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String name) {
                return driver.getKeyValueStore(name);
            }
        }, config.stores());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    private void tick(Duration d) {
        for (long i = 0; i < d.dividedBy(TICK); i++) {
            driver.advanceWallClockTime(TICK);
        }
        elapsedMillis += d.toMillis();
    }

    private Instant now() {
        return START.plusMillis(elapsedMillis);
    }

    /** A managed number with no SSOT row, left past the grace: its violation is OPEN. */
    private void openViolation(Managed m) {
        managedIn.pipeInput(m.key(), m.created());
        tick(GRACE.plus(TICK));
    }

    private SsotViolation lastViolation() {
        List<SsotViolation> all = violations.readValuesToList();
        assertThat(all).isNotEmpty();
        return all.get(all.size() - 1);
    }

    @Test
    void shouldShowAnOpenEpisodeWithItsDurationSoFar() {
        // given / when
        openViolation(number);
        tick(Duration.ofSeconds(20));

        // then
        List<EpisodeView> episodes = timeline.orgTimeline(org, now());
        assertThat(episodes).hasSize(1);
        EpisodeView e = episodes.get(0);
        assertThat(e.state()).isEqualTo("OPEN");
        assertThat(e.kind()).isEqualTo("MISSING_SSOT_ROW");
        assertThat(e.orgId()).isEqualTo(org);
        assertThat(e.phoneNumber()).isEqualTo(number.phone);
        assertThat(e.missingSince()).isEqualTo(START);
        assertThat(e.openedAt()).isEqualTo(START.plus(GRACE));
        assertThat(e.resolvedAt()).isNull();
        assertThat(e.resolvedBy()).isNull();
        assertThat(e.durationSeconds()).isEqualTo(21);
    }

    @ParameterizedTest(name = "written_by {0} -> {1}")
    @CsvSource({"projector, PROJECTOR", "backfill, BACKFILL", "operator, OPERATOR"})
    void shouldResolveTheEpisodeByTheWriterOfTheFixingSsotRow(String writtenBy, String resolvedBy) {
        // given
        openViolation(number);
        violations.readValuesToList();

        // when the SSOT row arrives, written by that writer, 10 s after the OPEN (published at the end of the grace)
        tick(Duration.ofSeconds(9));
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).writtenBy(writtenBy).created());
        tick(TICK);

        // then the RESOLVED record and the timeline both say who resolved it, and how long it lasted
        SsotViolation resolved = lastViolation();
        assertThat(resolved.getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(resolved.getResolvedBy()).isEqualTo(resolvedBy);
        EpisodeView e = timeline.orgTimeline(org, now().plusSeconds(600)).get(0);
        assertThat(e.state()).isEqualTo("RESOLVED");
        assertThat(e.resolvedBy()).isEqualTo(resolvedBy);
        assertThat(e.resolvedAt()).isEqualTo(now());
        assertThat(e.openedAt()).isEqualTo(START.plus(GRACE));
        assertThat(e.durationSeconds()).isEqualTo(11); // the row is seen at the next tick; fixed, not growing with now
    }

    @Test
    void shouldResolveByNumberChangedWhenTheManagedNumberIsReleasedOrDeleted() {
        // given two numbers with OPEN violations
        Managed other = new Managed(UUID.randomUUID().toString(), org, "+14158497227", "vapi-other");
        managedIn.pipeInput(other.key(), other.created());
        openViolation(number);
        violations.readValuesToList();

        // when one is released and the other deleted
        managedIn.pipeInput(number.key(), number.released().updated());
        managedIn.pipeInput(other.key(), other.deleted());
        tick(TICK);

        // then
        assertThat(violations.readValuesToList()).extracting(SsotViolation::getResolvedBy)
                .containsExactly("NUMBER_CHANGED", "NUMBER_CHANGED");
        assertThat(timeline.orgTimeline(org, now())).extracting(EpisodeView::phoneNumber, EpisodeView::resolvedBy)
                .containsExactlyInAnyOrder(tuple(number.phone, "NUMBER_CHANGED"),
                        tuple(other.phone, "NUMBER_CHANGED"));
    }

    @Test
    void shouldResolveWithAnUnknownWriterWhenTheRowComesFromBeforeTheColumn() {
        // given
        openViolation(number);

        // when the fixing row's CDC record carries no written_by (written before migration V9)
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).created());
        tick(TICK);

        // then it is resolved, by nobody known
        EpisodeView e = timeline.orgTimeline(org, now()).get(0);
        assertThat(e.state()).isEqualTo("RESOLVED");
        assertThat(e.resolvedBy()).isNull();
        assertThat(lastViolation().getResolvedBy()).isNull();
    }

    @Test
    void shouldKeepOneEpisodeWithTheLatestKindWhenTheKindChangesWhileOpen() {
        // given an OPEN MISSING_SSOT_ROW
        openViolation(number);

        // when a row with the wrong Vapi id arrives (VAPI_ID_MISMATCH), then the right one
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).withVapiPhoneId("vapi-wrong").writtenBy("operator")
                .created());
        tick(Duration.ofSeconds(5));
        List<EpisodeView> whileOpen = timeline.orgTimeline(org, now());
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).writtenBy("backfill").updated());
        tick(TICK);

        // then one episode all along, with the latest kind, resolved by the backfill
        assertThat(whileOpen).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("VAPI_ID_MISMATCH");
            assertThat(e.state()).isEqualTo("OPEN");
            assertThat(e.missingSince()).isEqualTo(START);
        });
        assertThat(timeline.orgTimeline(org, now())).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("VAPI_ID_MISMATCH");
            assertThat(e.resolvedBy()).isEqualTo("BACKFILL");
            assertThat(e.openedAt()).isEqualTo(START.plus(GRACE));
        });
    }

    @Test
    void shouldStartANewEpisodeWhenTheSameNumberBreaksAgainAfterResolving() {
        // given an episode resolved by the projector
        openViolation(number);
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).writtenBy("projector").created());
        tick(TICK);

        // when an operator deletes the row again
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).deleted());
        tick(GRACE.plus(TICK));

        // then two episodes, newest first
        List<EpisodeView> episodes = timeline.orgTimeline(org, now());
        assertThat(episodes).extracting(EpisodeView::state).containsExactly("OPEN", "RESOLVED");
        assertThat(episodes.get(0).openedAt()).isAfter(episodes.get(1).resolvedAt());
        assertThat(episodes.get(1).resolvedBy()).isEqualTo("PROJECTOR");
    }

    @Test
    void shouldServeOneOrganisationByPrefixAndTheMostRecentOverAll() {
        // given an episode in this org, then one in another org
        openViolation(number);
        String otherOrg = UUID.randomUUID().toString();
        Managed foreign = new Managed(UUID.randomUUID().toString(), otherOrg, number.phone, "vapi-foreign");
        openViolation(foreign);

        // when / then
        assertThat(timeline.orgTimeline(org, now())).extracting(EpisodeView::orgId).containsExactly(org);
        assertThat(timeline.orgTimeline(otherOrg, now())).extracting(EpisodeView::orgId).containsExactly(otherOrg);
        assertThat(timeline.orgTimeline(UUID.randomUUID().toString(), now())).isEmpty();
        assertThat(timeline.recent(now())).extracting(EpisodeView::orgId).containsExactly(otherOrg, org);
    }

    @Test
    void shouldPurgeResolvedEpisodesPastTheRetentionAndKeepOpenOnes() {
        // given one resolved episode and one still open
        Managed stillOpen = new Managed(UUID.randomUUID().toString(), org, "+14158497228", "vapi-open");
        managedIn.pipeInput(stillOpen.key(), stillOpen.created());
        openViolation(number);
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).writtenBy("projector").created());
        tick(TICK);
        assertThat(timeline.orgTimeline(org, now())).hasSize(2);

        // when less than the retention passes, then more
        driver.advanceWallClockTime(RETENTION.minusMinutes(5));
        List<EpisodeView> withinRetention = timeline.orgTimeline(org, now());
        driver.advanceWallClockTime(Duration.ofMinutes(10));

        // then the resolved one is gone only after the retention; the open one stays
        assertThat(withinRetention).hasSize(2);
        assertThat(timeline.orgTimeline(org, now())).singleElement().satisfies(e -> {
            assertThat(e.phoneNumber()).isEqualTo(stillOpen.phone);
            assertThat(e.state()).isEqualTo("OPEN");
        });
    }
}

package com.voxanne.ssot.reconciler.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.reconciler.model.CdcRows;
import com.voxanne.ssot.reconciler.testing.Cdc;
import com.voxanne.ssot.reconciler.testing.Cdc.Credentials;
import com.voxanne.ssot.reconciler.testing.Cdc.Managed;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import com.voxanne.ssot.schemas.avro.ViolationState;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology under TopologyTestDriver, whose wall clock the tests move by hand. */
class ReconcilerTopologyTest {
    static final String MANAGED_TOPIC = "cdc.managed_phone_numbers";
    static final String CREDENTIALS_TOPIC = "cdc.org_credentials";
    static final String VIOLATIONS_TOPIC = "ssot.violations";
    static final Duration GRACE = Duration.ofSeconds(30);
    static final Duration TICK = Duration.ofSeconds(1);
    static final Instant START = Instant.parse("2026-02-11T10:00:00Z");

    @TempDir
    Path stateDir;

    final AtomicBoolean caughtUp = new AtomicBoolean(true);
    TopologyTestDriver driver;
    TestInputTopic<String, String> managedIn;
    TestInputTopic<String, String> credentialsIn;
    TestOutputTopic<String, SsotViolation> violations;

    final String org = UUID.randomUUID().toString();
    final Managed number = new Managed(UUID.randomUUID().toString(), org, "+14158497226", "55976957-887d-44a4-8c79-6a02d4c91aa1");

    @BeforeEach
    void startDriver() {
        ReconcilerTopologyConfig config = ReconcilerTopologyConfig.of(MANAGED_TOPIC, CREDENTIALS_TOPIC, VIOLATIONS_TOPIC, GRACE)
                .withPunctuationInterval(TICK)
                .withGate(caughtUp::get);
        driver = new TopologyTestDriver(ReconcilerTopology.buildTopology(config), props(stateDir), START);
        managedIn = driver.createInputTopic(MANAGED_TOPIC, new StringSerializer(), new StringSerializer());
        credentialsIn = driver.createInputTopic(CREDENTIALS_TOPIC, new StringSerializer(), new StringSerializer());
        violations = driver.createOutputTopic(VIOLATIONS_TOPIC, new StringDeserializer(),
                AvroSerde.of(SsotViolation.class));
    }

    static Properties props(Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "reconciler-topology-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, CdcDeadLetterHandler.class);
        return p;
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    /** Moves the wall clock forward one punctuation interval at a time (each fires the punctuator). */
    void advance(Duration d) {
        for (long i = 0; i < d.dividedBy(TICK); i++) {
            driver.advanceWallClockTime(TICK);
        }
    }

    Instant now() {
        return START.plus(Duration.ofMillis(elapsedMillis));
    }

    long elapsedMillis;

    @BeforeEach
    void resetClock() {
        elapsedMillis = 0;
    }

    void tick(Duration d) {
        advance(d);
        elapsedMillis += d.toMillis();
    }

    @Test
    void shouldKeepTableRowsInTheCompactStoreFormatNotTheRelaysJson() {
        // when a managed number and its SSOT row arrive as the relay's JSON
        managedIn.pipeInput(number.key(), number.created(), START);
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).created(), START);
        driver.advanceWallClockTime(TICK);

        // then the tables' changelogs (what the stores hold) carry the binary format, which reads back as the same rows
        String prefix = "reconciler-topology-test-";
        TestOutputTopic<String, byte[]> managedLog = driver.createOutputTopic(prefix
                + ReconcilerTopologyConfig.StoreNames.DEFAULT.managedNumbers() + "-changelog", new StringDeserializer(),
                new ByteArrayDeserializer());
        TestOutputTopic<String, byte[]> credentialsLog = driver.createOutputTopic(prefix
                + ReconcilerTopologyConfig.StoreNames.DEFAULT.orgCredentials() + "-changelog", new StringDeserializer(),
                new ByteArrayDeserializer());
        byte[] managedBytes = managedLog.readValue();
        byte[] credentialsBytes = credentialsLog.readValue();
        assertThat(managedBytes[0]).isEqualTo(StoredRowSerde.MANAGED_V1);
        assertThat(credentialsBytes[0]).isEqualTo(StoredRowSerde.SSOT_V1);
        assertThat(StoredRowSerde.managedNumbers().deserialize("t", managedBytes))
                .isEqualTo(CdcRows.managedNumber(number.created().getBytes(StandardCharsets.UTF_8)));
        assertThat(StoredRowSerde.orgCredentials().deserialize("t", credentialsBytes))
                .isEqualTo(CdcRows.ssotRow(Credentials.of(number, 1).created().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldOpenViolationWhenSsotRowMissingExactlyWhenGracePasses() {
        // given a managed number with no SSOT row, seen at START
        managedIn.pipeInput(number.key(), number.created());

        // when the wall clock reaches one tick before the end of the grace
        tick(GRACE.minus(TICK));

        // then nothing yet
        assertThat(violations.isEmpty()).isTrue();

        // when the grace has passed
        tick(TICK);

        // then exactly one OPEN
        List<TestRecord<String, SsotViolation>> out = violations.readRecordsToList();
        assertThat(out).hasSize(1);
        SsotViolation v = out.get(0).value();
        assertThat(out.get(0).key()).isEqualTo(org + "|+14158497226");
        assertThat(v.getState()).isEqualTo(ViolationState.OPEN);
        assertThat(v.getKind()).isEqualTo(ViolationKind.MISSING_SSOT_ROW);
        assertThat(v.getOrgId()).isEqualTo(org);
        assertThat(v.getPhoneNumber()).isEqualTo("+14158497226");
        assertThat(v.getManagedNumberId()).isEqualTo(number.id);
        assertThat(v.getExpectedVapiPhoneId()).isEqualTo(number.vapiPhoneId);
        assertThat(v.getObservedVapiPhoneId()).isNull();
        assertThat(v.getMissingSince()).isEqualTo(START);
        assertThat(v.getDetectedAt()).isEqualTo(START.plus(GRACE));
        assertThat(v.getResolvedAt()).isNull();
        assertThat(v.getEventId()).isEqualTo(EventIds.of("SsotViolation", number.key(),
                Long.toString(START.toEpochMilli()), "OPEN"));
    }

    @Test
    void shouldPublishNothingWhenSsotRowArrivesWithinGrace() {
        // given a managed number without its SSOT row
        managedIn.pipeInput(number.key(), number.created());
        tick(Duration.ofSeconds(10));

        // when the row arrives within the grace
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).created());
        tick(GRACE.multipliedBy(3));

        // then nothing is published
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldJoinWhenCredentialsArriveBeforeManagedNumber() {
        // given the SSOT row arrives first (out of order)
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).created());
        tick(Duration.ofSeconds(5));

        // when the managed number arrives
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE.multipliedBy(2));

        // then it is compliant: nothing
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldOpenAfterGraceWhenSsotRowIsDeletedLater() {
        // given a compliant number
        managedIn.pipeInput(number.key(), number.created());
        Credentials row = Credentials.of(number, 1);
        credentialsIn.pipeInput(number.key(), row.created());
        tick(Duration.ofSeconds(60));
        assertThat(violations.isEmpty()).isTrue();

        // when its SSOT row is deleted (delete record + tombstone)
        credentialsIn.pipeInput(number.key(), row.deleted());
        credentialsIn.pipeInput(number.key(), (String) null);
        Instant deletedAt = now();
        tick(GRACE.minus(TICK));
        assertThat(violations.isEmpty()).isTrue();
        tick(TICK);

        // then OPEN, missing since the delete
        SsotViolation v = violations.readValue();
        assertThat(v.getState()).isEqualTo(ViolationState.OPEN);
        assertThat(v.getKind()).isEqualTo(ViolationKind.MISSING_SSOT_ROW);
        assertThat(v.getMissingSince()).isEqualTo(deletedAt);
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldTreatBareTombstoneAsDeleteOfSsotRow() {
        // given a compliant number
        managedIn.pipeInput(number.key(), number.created());
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).created());
        tick(Duration.ofSeconds(5));

        // when only a tombstone arrives for the SSOT row
        credentialsIn.pipeInput(number.key(), (String) null);
        tick(GRACE);

        // then the row counts as gone
        assertThat(violations.readValue().getKind()).isEqualTo(ViolationKind.MISSING_SSOT_ROW);
    }

    @Test
    void shouldResolveWhenSsotRowIsFixed() {
        // given an OPEN violation
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE);
        SsotViolation open = violations.readValue();

        // when the SSOT row arrives
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).created());
        Instant fixedAt = now();
        tick(TICK);

        // then RESOLVED, once
        List<SsotViolation> out = violations.readValuesToList();
        assertThat(out).hasSize(1);
        SsotViolation resolved = out.get(0);
        assertThat(resolved.getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(resolved.getKind()).isEqualTo(ViolationKind.MISSING_SSOT_ROW);
        assertThat(resolved.getMissingSince()).isEqualTo(open.getMissingSince());
        assertThat(resolved.getResolvedAt()).isEqualTo(fixedAt.plus(TICK));
        assertThat(resolved.getObservedVapiPhoneId()).isEqualTo(number.vapiPhoneId);
        assertThat(resolved.getEventId()).isNotEqualTo(open.getEventId())
                .isEqualTo(EventIds.of("SsotViolation", number.key(), Long.toString(START.toEpochMilli()), "RESOLVED"));

        // and nothing more, however long we wait
        tick(GRACE.multipliedBy(2));
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldOpenVapiIdMismatchWhenSsotRowCarriesAnotherVapiId() {
        // given an SSOT row with another Vapi id
        managedIn.pipeInput(number.key(), number.created());
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).withVapiPhoneId("other-vapi-id").created());

        // when the grace passes
        tick(GRACE);

        // then
        SsotViolation v = violations.readValue();
        assertThat(v.getKind()).isEqualTo(ViolationKind.VAPI_ID_MISMATCH);
        assertThat(v.getExpectedVapiPhoneId()).isEqualTo(number.vapiPhoneId);
        assertThat(v.getObservedVapiPhoneId()).isEqualTo("other-vapi-id");
    }

    @Test
    void shouldOpenNotMarkedManagedWhenIsManagedIsFalse() {
        managedIn.pipeInput(number.key(), number.created());
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).notManaged().created());

        tick(GRACE);

        SsotViolation v = violations.readValue();
        assertThat(v.getKind()).isEqualTo(ViolationKind.NOT_MARKED_MANAGED);
        assertThat(v.getObservedVapiPhoneId()).isEqualTo(number.vapiPhoneId);
    }

    @Test
    void shouldOpenMissingVapiIdWhenSsotRowHasNullOrBlankVapiId() {
        // given two numbers: one row with a null Vapi id, one with a blank one
        Managed second = new Managed(UUID.randomUUID().toString(), org, "+14155550100", "vapi-2");
        managedIn.pipeInput(number.key(), number.created());
        managedIn.pipeInput(second.key(), second.created());
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).withVapiPhoneId(null).created());
        credentialsIn.pipeInput(second.key(), Credentials.of(second, 2).withVapiPhoneId("  ").created());

        tick(GRACE);

        assertThat(violations.readValuesToList()).extracting(SsotViolation::getKind)
                .containsExactlyInAnyOrder(ViolationKind.MISSING_VAPI_ID, ViolationKind.MISSING_VAPI_ID);
    }

    @Test
    void shouldPublishNothingForReleasedNumber() {
        managedIn.pipeInput(number.key(), number.released().created());

        tick(GRACE.multipliedBy(2));

        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldResolveOpenViolationWhenNumberIsReleased() {
        // given an OPEN violation
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE);
        assertThat(violations.readValue().getState()).isEqualTo(ViolationState.OPEN);

        // when the number is released
        managedIn.pipeInput(number.key(), number.released().updated());
        tick(TICK);

        // then RESOLVED
        SsotViolation v = violations.readValue();
        assertThat(v.getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldResolveOpenViolationWhenManagedRowIsDeleted() {
        // given an OPEN violation
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE);
        violations.readValue();

        // when the managed row is deleted (delete record + tombstone)
        managedIn.pipeInput(number.key(), number.deleted());
        managedIn.pipeInput(number.key(), (String) null);
        tick(TICK);

        // then RESOLVED once
        List<SsotViolation> out = violations.readValuesToList();
        assertThat(out).extracting(SsotViolation::getState).containsExactly(ViolationState.RESOLVED);
    }

    @Test
    void shouldRetractOldKeyWhenPhoneNumberIsEdited() {
        // given an OPEN violation under the old key
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE);
        assertThat(violations.readKeyValue().key).isEqualTo(number.key());

        // when the phone number is edited: delete + tombstone for the old key, create for the new key,
        // and the new key has its SSOT row
        Managed edited = new Managed(number.id, org, "+14155550199", number.vapiPhoneId);
        managedIn.pipeInput(number.key(), number.deleted());
        managedIn.pipeInput(number.key(), (String) null);
        managedIn.pipeInput(edited.key(), edited.created());
        credentialsIn.pipeInput(edited.key(), Credentials.of(edited, 7).created());
        tick(GRACE.multipliedBy(2));

        // then the old key is RESOLVED and the new key has nothing
        List<TestRecord<String, SsotViolation>> out = violations.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo(number.key());
        assertThat(out.get(0).value().getState()).isEqualTo(ViolationState.RESOLVED);
    }

    @Test
    void shouldNotAlertOldKeyWhenKeyChangesWithinGrace() {
        // given a number without SSOT row under the old key
        managedIn.pipeInput(number.key(), number.created());
        tick(Duration.ofSeconds(5));

        // when the org is edited within the grace, and the new key is compliant
        String otherOrg = UUID.randomUUID().toString();
        Managed moved = new Managed(number.id, otherOrg, number.phone, number.vapiPhoneId);
        managedIn.pipeInput(number.key(), number.deleted());
        managedIn.pipeInput(number.key(), (String) null);
        managedIn.pipeInput(moved.key(), moved.created());
        credentialsIn.pipeInput(moved.key(), Credentials.of(moved, 3).created());
        tick(GRACE.multipliedBy(2));

        // then nothing for either key
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldNotDuplicateOpenAcrossRepeatedPunctuationsAndUpdates() {
        // given an OPEN violation
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE);

        // when time passes and the same row is updated again and again
        for (int i = 0; i < 5; i++) {
            managedIn.pipeInput(number.key(), number.updated());
            tick(Duration.ofSeconds(60));
        }

        // then one OPEN only
        assertThat(violations.readValuesToList()).extracting(SsotViolation::getState).containsExactly(ViolationState.OPEN);
    }

    @Test
    void shouldRepublishOpenWithNewKindInSameEpisodeWhenKindChanges() {
        // given an OPEN MISSING_SSOT_ROW
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE);
        SsotViolation first = violations.readValue();

        // when a row with the wrong Vapi id appears
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).withVapiPhoneId("wrong").created());
        tick(TICK);

        // then the same episode is OPEN again with the new kind, at once (no new grace), with a new eventId
        SsotViolation changed = violations.readValue();
        assertThat(changed.getState()).isEqualTo(ViolationState.OPEN);
        assertThat(changed.getKind()).isEqualTo(ViolationKind.VAPI_ID_MISMATCH);
        assertThat(changed.getMissingSince()).isEqualTo(first.getMissingSince());
        assertThat(changed.getObservedVapiPhoneId()).isEqualTo("wrong");
        assertThat(changed.getEventId()).isNotEqualTo(first.getEventId());

        // when the row is fixed
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).updated());
        tick(GRACE);

        // then one RESOLVED closes the episode
        List<SsotViolation> rest = violations.readValuesToList();
        assertThat(rest).hasSize(1);
        assertThat(rest.get(0).getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(rest.get(0).getKind()).isEqualTo(ViolationKind.VAPI_ID_MISMATCH);
        assertThat(rest.get(0).getMissingSince()).isEqualTo(first.getMissingSince());
    }

    @Test
    void shouldKeepGraceFromFirstSightingWhenKindChangesBeforeOpen() {
        // given no row at START, then a wrong row 10 s later
        managedIn.pipeInput(number.key(), number.created());
        tick(Duration.ofSeconds(10));
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).notManaged().created());

        // when the grace from the first sighting passes
        tick(GRACE.minus(Duration.ofSeconds(10)));

        // then it opens with the current kind and the first sighting as missingSince
        SsotViolation v = violations.readValue();
        assertThat(v.getKind()).isEqualTo(ViolationKind.NOT_MARKED_MANAGED);
        assertThat(v.getMissingSince()).isEqualTo(START);
    }

    @Test
    void shouldHoldAlertsWhileCatchingUpAndOpenWithOriginalSinceAfterwards() {
        // given the inputs are not caught up
        caughtUp.set(false);
        managedIn.pipeInput(number.key(), number.created());

        // when the grace passes while holding
        tick(GRACE.multipliedBy(2));

        // then nothing is published
        assertThat(violations.isEmpty()).isTrue();

        // when the inputs catch up
        caughtUp.set(true);
        tick(TICK);

        // then it opens, missing since the first sighting (recorded while holding)
        SsotViolation v = violations.readValue();
        assertThat(v.getState()).isEqualTo(ViolationState.OPEN);
        assertThat(v.getMissingSince()).isEqualTo(START);
        assertThat(v.getDetectedAt()).isEqualTo(START.plus(GRACE.multipliedBy(2)).plus(TICK));
    }

    @Test
    void shouldRaiseNoFalseAlarmWhenSsotRowIsFurtherDownTheBacklog() {
        // given a replay: the managed number first, its SSOT row much later in the backlog
        caughtUp.set(false);
        managedIn.pipeInput(number.key(), number.snapshot());
        tick(GRACE.multipliedBy(2));
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 1).created());

        // when the inputs catch up
        caughtUp.set(true);
        tick(GRACE);

        // then no alert at all
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldSkipMalformedCdcRecordsAndGoOn() {
        // given a value that is not JSON and one without org_id (parked by CdcDeadLetterHandler: see its
        // test, and the integration test for the dead-letter topic on a real broker)
        managedIn.pipeInput(number.key(), "this is not json");
        managedIn.pipeInput(number.key(), "{\"id\":\"x\",\"phone_number\":\"+1415\",\"__op\":\"c\",\"__deleted\":\"false\"}");

        // when a good record follows
        managedIn.pipeInput(number.key(), number.created());
        tick(GRACE);

        // then the good one is processed
        assertThat(violations.readValue().getKind()).isEqualTo(ViolationKind.MISSING_SSOT_ROW);
    }

    // ---------------------------------------------------------------- STALE_SSOT_ROW: the other direction

    @Test
    void shouldOpenStaleSsotRowWhenAReleasedNumberIsStillOfferedPastGraceAndResolveWhenTheRowGoes() {
        // given a compliant number
        managedIn.pipeInput(number.key(), number.created());
        Credentials row = Credentials.of(number, 1);
        credentialsIn.pipeInput(number.key(), row.created());
        tick(TICK);

        // when it is released but its SSOT row stays
        managedIn.pipeInput(number.key(), number.released().updated());
        tick(GRACE.minus(TICK));

        // then nothing within the grace (the projector normally removes the row in milliseconds)
        assertThat(violations.isEmpty()).isTrue();

        // when the grace passes
        tick(TICK.multipliedBy(2));

        // then one OPEN STALE_SSOT_ROW naming the released managed row
        SsotViolation open = violations.readValue();
        assertThat(open.getKind()).isEqualTo(ViolationKind.STALE_SSOT_ROW);
        assertThat(open.getState()).isEqualTo(ViolationState.OPEN);
        assertThat(open.getManagedNumberId()).isEqualTo(number.id);
        assertThat(open.getObservedVapiPhoneId()).isEqualTo(number.vapiPhoneId);
        assertThat(violations.isEmpty()).isTrue();

        // when the row goes
        credentialsIn.pipeInput(number.key(), row.deleted());
        tick(TICK.multipliedBy(2));

        // then RESOLVED; a removal says nothing about who removed the row
        SsotViolation resolved = violations.readValue();
        assertThat(resolved.getKind()).isEqualTo(ViolationKind.STALE_SSOT_ROW);
        assertThat(resolved.getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(resolved.getResolvedBy()).isNull();
        assertThat(violations.isEmpty()).isTrue();
    }

    @Test
    void shouldOpenStaleSsotRowForAManagedRowWithNoManagedNumberAndResolveWhenTheNumberIsActive() {
        // given an SSOT row flagged managed that no managed number stands behind (never bought, or deleted)
        credentialsIn.pipeInput(number.key(), Credentials.of(number, 7).created());
        tick(GRACE.plus(TICK.multipliedBy(2)));

        // then OPEN with no managed id to name
        SsotViolation open = violations.readValue();
        assertThat(open.getKind()).isEqualTo(ViolationKind.STALE_SSOT_ROW);
        assertThat(open.getState()).isEqualTo(ViolationState.OPEN);
        assertThat(open.getManagedNumberId()).isEmpty();
        assertThat(open.getExpectedVapiPhoneId()).isEmpty();

        // when the number becomes an active managed number with that Vapi id
        managedIn.pipeInput(number.key(), number.created());
        tick(TICK.multipliedBy(2));

        // then RESOLVED by the number's change
        SsotViolation resolved = violations.readValue();
        assertThat(resolved.getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(resolved.getResolvedBy()).isEqualTo("NUMBER_CHANGED");
    }

    @Test
    void shouldRaiseNothingForAReleaseWhoseRowIsRemovedWithinTheGraceNorForACustomersOwnUnmanagedRow() {
        // given a customer's own number (is_managed false, no managed number) and a managed one
        Managed own = new Managed(UUID.randomUUID().toString(), org, "+14155550777", "vapi-own");
        credentialsIn.pipeInput(own.key(), Credentials.of(own, 3).notManaged().created());
        managedIn.pipeInput(number.key(), number.created());
        Credentials row = Credentials.of(number, 1);
        credentialsIn.pipeInput(number.key(), row.created());
        tick(TICK);

        // when the managed one is released and its row removed a moment later
        managedIn.pipeInput(number.key(), number.released().updated());
        tick(TICK);
        credentialsIn.pipeInput(number.key(), row.deleted());
        tick(GRACE.multipliedBy(2));

        // then no violation at all
        assertThat(violations.isEmpty()).isTrue();
    }
}

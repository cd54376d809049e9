package com.voxanne.ssot.faults.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.faults.check.ObservedState.DeadLetter;
import com.voxanne.ssot.faults.check.ObservedState.ManagedNumber;
import com.voxanne.ssot.faults.check.ObservedState.OrgView;
import com.voxanne.ssot.faults.check.ObservedState.Result;
import com.voxanne.ssot.faults.check.ObservedState.Saga;
import com.voxanne.ssot.faults.check.ObservedState.SsotRow;
import com.voxanne.ssot.faults.check.ObservedState.Violation;
import com.voxanne.ssot.faults.inject.InputTopic;
import com.voxanne.ssot.faults.inject.MalformedKind;
import com.voxanne.ssot.faults.inject.MalformedRecord;
import com.voxanne.ssot.faults.scenario.Ledger;
import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The checker on hand-made final states: silent on a good one, precise on each kind of damage. */
class InvariantCheckerTest {
    private static final String ORG = "11111111-1111-1111-1111-111111111111";
    private static final String OTHER_ORG = "22222222-2222-2222-2222-222222222222";
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2026-02-11T10:00:00Z");

    private final Ledger ledger = new Ledger(1L, "unit");
    private final InvariantChecker checker = new InvariantChecker(GRACE);
    private final StateBuilder state = new StateBuilder();

    /** A consistent final state: every request sent succeeded once, and every inventory agrees. */
    private final class StateBuilder {
        final List<Result> results = new ArrayList<>();
        final List<Violation> violations = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<ManagedNumber> managed = new ArrayList<>();
        final List<SsotRow> ssot = new ArrayList<>();
        final List<Saga> sagas = new ArrayList<>();
        final Set<String> owned = new TreeSet<>();
        final Map<String, Integer> purchases = new HashMap<>();
        final List<Instant> purchaseTimes = new ArrayList<>();
        final Map<String, List<String>> imports = new HashMap<>();
        final Map<String, Map<Integer, Long>> committed = new HashMap<>();
        final List<OrgView> views = new ArrayList<>();
        List<String> leaks = List.of();
        List<ObservedState.HttpAttack> httpAttacks = List.of(new ObservedState.HttpAttack("no token: GET /api/status", "401", "401", true));
        final Map<String, Set<String>> releasedEvents = new HashMap<>();

        /** The number of an earlier {@link #succeeded} released by the run: gone from every place, its row released. */
        Ledger.SentRelease released(String org, String phone) {
            String requestId = "rel-" + phone;
            Ledger.SentRelease release = new Ledger.SentRelease(ReleaseNumberRequest.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setRequestId(requestId).setOrgId(org).setPhoneNumber(phone).setReason(null).setRequestedAt(T0).build(), T0, "load");
            ledger.releaseSent(release);
            results.add(new Result(requestId, org, ProvisioningStatus.SUCCEEDED, phone, null, null, null, null));
            releasedEvents.put(requestId, Set.of("event-of-" + requestId));
            managed.replaceAll(m -> m.phoneNumber().equals(phone)
                    ? new ManagedNumber(m.id(), m.orgId(), phone, m.twilioSid(), m.vapiPhoneId(), "released", m.requestId(), m.friendlyName()) : m);
            ssot.removeIf(row -> row.phoneNumber().equals(phone));
            owned.remove(phone);
            imports.remove(phone);
            views.replaceAll(v -> new OrgView(v.orgId(), v.dropdownNumbers().stream().filter(p -> !p.equals(phone)).toList(),
                    v.complianceNumbers().stream().filter(p -> !p.equals(phone)).toList()));
            return release;
        }

        void succeeded(String org, String phone) {
            String requestId = "req-" + phone;
            ledger.sent(new Ledger.SentRequest(request(requestId, org), T0, false));
            String sid = "PN" + "0".repeat(28) + phone.substring(phone.length() - 4);
            String vapi = UUID.nameUUIDFromBytes(phone.getBytes()).toString();
            Result r = new Result(requestId, org, ProvisioningStatus.SUCCEEDED, phone, sid, vapi, null, null);
            results.add(r);
            results.add(r); // a re-published result is the same result
            managed.add(new ManagedNumber(UUID.randomUUID().toString(), org, phone, sid, vapi, "active", requestId, null));
            ssot.add(new SsotRow(org, "twilio", phone, vapi, sid, true));
            sagas.add(new Saga(requestId, org, "COMPLETED", phone, sid, null, null));
            owned.add(phone);
            purchases.put(phone, 1);
            purchaseTimes.add(T0);
            imports.put(phone, List.of(vapi));
            views.add(new OrgView(org, List.of(phone), List.of(phone)));
        }

        ObservedState build() {
            int total = purchases.values().stream().mapToInt(Integer::intValue).sum();
            return new ObservedState(results, violations, deadLetters, managed, ssot, sagas, owned, total, purchases, purchaseTimes,
                    imports, committed,
                    views, List.of(), httpAttacks, new ObservedState.SecretScan(100, leaks), releasedEvents);
        }
    }

    private static ProvisionNumberRequest request(String requestId, String org) {
        return ProvisionNumberRequest.newBuilder().setEventId(UUID.randomUUID().toString()).setRequestId(requestId).setOrgId(org)
                .setCountryCode("US").setAreaCode("415").setFriendlyName(null).setRequestedAt(T0).build();
    }

    @Test
    void shouldFindNoViolationWhenEveryRequestEndedOnceAndEveryInventoryMatches() {
        // given
        state.succeeded(ORG, "+14155550001");
        state.succeeded(OTHER_ORG, "+14155550002");

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.all()).isEmpty();
        assertThat(report.checkedCount(Invariant.ONE_FINAL_RESULT)).isEqualTo(2);
        assertThat(report.checkedCount(Invariant.NO_SECRET_LEAK)).isEqualTo(100);
    }

    @Test
    void shouldReportAnOrphanedPurchaseWhenTwilioOwnsANumberNoRequestHolds() {
        // given: a number bought behind the pipeline's back
        state.succeeded(ORG, "+14155550001");
        state.owned.add("+14155559999");
        state.purchases.put("+14155559999", 1);

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.TWILIO_MATCHES_DB)).singleElement().asString().contains("orphaned purchase", "+14155559999");
        assertThat(report.violationsOf(Invariant.NO_DOUBLE_PURCHASE)).anyMatch(v -> v.contains("bought 1 times by 0 request(s)"));
    }

    @Test
    void shouldReportAPaidNumberReleasedWithoutARecordedCompensation() {
        // given: a request that FAILED after its number was bought, and the number is gone from the account
        state.succeeded(ORG, "+14155550001");
        ledger.sent(new Ledger.SentRequest(request("req-failed", ORG), T0, false));
        state.results.add(new Result("req-failed", ORG, ProvisioningStatus.FAILED, null, null, null, "VAPI_IMPORT", "refused"));
        state.sagas.add(new Saga("req-failed", ORG, "FAILED", "+14155550002", "PN" + "1".repeat(32), "VAPI_IMPORT", null));
        state.purchases.put("+14155550002", 1);

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.PAID_NUMBER_ACCOUNTED)).singleElement().asString()
                .contains("+14155550002", "no recorded compensation");
    }

    @Test
    void shouldAcceptAPaidNumberReleasedByARecordedCompensation() {
        // given
        state.succeeded(ORG, "+14155550001");
        state.sagas.add(new Saga("req-comp", ORG, "FAILED", "+14155550002", "PN" + "1".repeat(32), "VAPI_IMPORT",
                "released in Twilio"));
        state.purchases.put("+14155550002", 1);

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.PAID_NUMBER_ACCOUNTED)).isEmpty();
        assertThat(report.checkedCount(Invariant.PAID_NUMBER_ACCOUNTED)).isEqualTo(2);
    }

    @Test
    void shouldReportAPurchaseThatStartedWhileTheProviderCircuitWasOpen() {
        // given: the circuit was open from T0+10s to T0+20s, one purchase inside, one before
        state.succeeded(ORG, "+14155550001");
        state.succeeded(OTHER_ORG, "+14155550002");
        state.purchaseTimes.clear();
        state.purchaseTimes.add(T0.plusSeconds(9));
        state.purchaseTimes.add(T0.plusSeconds(15));
        ledger.circuitOpen(new Ledger.CircuitOpen(T0.plusSeconds(10), T0.plusSeconds(20), "Vapi check failed: 401"));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.NO_PURCHASE_WHILE_BROKEN)).singleElement().asString()
                .contains(T0.plusSeconds(15).toString());
        assertThat(report.checkedCount(Invariant.NO_PURCHASE_WHILE_BROKEN)).isEqualTo(2);
    }

    @Test
    void shouldReportADoublePurchaseWhenOneRequestBoughtItsNumberTwice() {
        // given
        state.succeeded(ORG, "+14155550001");
        state.purchases.put("+14155550001", 2);

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.NO_DOUBLE_PURCHASE)).anyMatch(v -> v.contains("bought 2 times by 1 request(s)"));
    }

    @Test
    void shouldReportAMissingSsotRowWhenTheWriteWasDropped() {
        // given
        state.succeeded(ORG, "+14155550001");
        state.ssot.clear();
        state.views.clear();

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.ONE_SSOT_ROW)).singleElement().asString().contains("has 0 SSOT rows");
    }

    @Test
    void shouldReportARegressedSsotRowWhenAStaleEventWon() {
        // given
        state.succeeded(ORG, "+14155550001");
        SsotRow row = state.ssot.remove(0);
        state.ssot.add(new SsotRow(row.orgId(), row.provider(), row.phoneNumber(), "stale-1", row.twilioSid(), true));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.ONE_SSOT_ROW)).singleElement().asString().contains("vapiPhoneId stale-1");
    }

    @Test
    void shouldReportTwoResultsWhenARequestWasAnsweredDifferently() {
        // given
        state.succeeded(ORG, "+14155550001");
        state.results.add(new Result("req-+14155550001", ORG, ProvisioningStatus.FAILED, null, null, null, "TWILIO_PURCHASE", "no"));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.ONE_FINAL_RESULT)).singleElement().asString().contains("2 different results");
    }

    @Test
    void shouldReportAFailureWhenNoPermanentProviderFaultExplainsIt() {
        // given: a request FAILED although only transient faults were injected
        ledger.sent(new Ledger.SentRequest(request("req-x", ORG), T0, false));
        state.results.add(new Result("req-x", ORG, ProvisioningStatus.FAILED, null, null, null, "TWILIO_PURCHASE", "refused"));
        ledger.injected(new Ledger.Injection(0, FaultKind.TWILIO_PURCHASE_5XX, null, T0, T0, true, "armed", null));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.OUTCOME_EXPLAINED)).singleElement().asString()
                .contains("1 requests FAILED at TWILIO_PURCHASE but only 0 permanent provider fault(s)");
    }

    @Test
    void shouldExplainATransientViolationWhenAKillDelayedTheSsotWrite() {
        // given: the projector was killed, the number went missing for longer than the grace, then the row came
        state.succeeded(ORG, "+14155550001");
        ledger.injected(new Ledger.Injection(0, FaultKind.KILL_PROJECTOR_BETWEEN_COMMITS, null, T0, T0.plusSeconds(2), true, "killed",
                Duration.ofSeconds(3)));
        String key = ORG + "|+14155550001";
        state.violations.add(new Violation(key, "MISSING_SSOT_ROW", ViolationState.OPEN, T0.plusSeconds(1), T0.plusSeconds(11), null, 0, 0));
        state.violations.add(new Violation(key, "MISSING_SSOT_ROW", ViolationState.RESOLVED, T0.plusSeconds(1), T0.plusSeconds(11),
                T0.plusSeconds(12), 0, 1));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.all()).isEmpty();
        assertThat(report.explainedTransients()).singleElement().asString().contains("KILL_PROJECTOR_BETWEEN_COMMITS");
    }

    @Test
    void shouldNotExplainAViolationThatOnlyTheRepairResolved() {
        // given: a kill nearby, but the violation was resolved by the run's backfill, not by the pipeline
        state.succeeded(ORG, "+14155550001");
        ledger.injected(new Ledger.Injection(0, FaultKind.KILL_PROJECTOR_BETWEEN_COMMITS, null, T0, T0.plusSeconds(2), true, "killed", null));
        ledger.repairStarted(T0.plusSeconds(30));
        String key = ORG + "|+14155550001";
        state.violations.add(new Violation(key, "MISSING_SSOT_ROW", ViolationState.OPEN, T0.plusSeconds(1), T0.plusSeconds(11), null, 0, 0));
        state.violations.add(new Violation(key, "MISSING_SSOT_ROW", ViolationState.RESOLVED, T0.plusSeconds(1), T0.plusSeconds(11),
                T0.plusSeconds(31), 0, 1));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.NO_UNEXPLAINED_VIOLATION)).singleElement().asString().contains("resolved later");
        assertThat(report.explainedTransients()).isEmpty();
    }

    @Test
    void shouldReportAViolationNoFaultExplains() {
        // given: a violation, and no fault anywhere near it
        state.succeeded(ORG, "+14155550001");
        state.violations.add(new Violation(ORG + "|+14155550001", "MISSING_SSOT_ROW", ViolationState.OPEN, T0, T0.plusSeconds(10), null,
                0, 0));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.NO_UNEXPLAINED_VIOLATION)).singleElement().asString().contains("still open");
    }

    @Test
    void shouldPassANumberReleasedEverywhereAndProvisionedNumbersBeside() {
        // given a backfill ran, one number is released and another still active
        ledger.repairStarted(T0.plusSeconds(600));
        state.succeeded(ORG, "+14155550001");
        state.succeeded(ORG, "+14155550002");
        state.released(ORG, "+14155550001");

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.all()).isEmpty();
        assertThat(report.checkedCount(Invariant.RELEASED_GONE_EVERYWHERE)).as("its released row and the number").isEqualTo(2);
        assertThat(report.checkedCount(Invariant.RELEASE_APPLIED_ONCE)).isEqualTo(1);
    }

    @Test
    void shouldReportAReleasedNumberStillInTwilioVapiTheDropdownAndBackInTheSsot() {
        // given a release that SUCCEEDED but left the number everywhere, and the backfill brought its SSOT row back
        ledger.repairStarted(T0.plusSeconds(600));
        state.succeeded(ORG, "+14155550001");
        state.released(ORG, "+14155550001");
        state.owned.add("+14155550001");
        state.imports.put("+14155550001", List.of("vapi-left"));
        state.views.add(new OrgView(ORG, List.of("+14155550001"), List.of()));
        state.ssot.add(new SsotRow(ORG, "twilio", "+14155550001", "vapi-left", "PN" + "0".repeat(32), true));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.RELEASED_GONE_EVERYWHERE)).singleElement().asString()
                .contains("owned in Twilio").contains("imported in Vapi").contains("dropdown");
        assertThat(report.violationsOf(Invariant.NO_RESURRECTION_AFTER_BACKFILL)).singleElement().asString().contains("in the SSOT again");
    }

    @Test
    void shouldReportTheReleasedImportOfANumberBoughtAgainWhenVapiOrTheSsotStillHoldIt() {
        // given a number released, then bought again by the org, while Vapi and the SSOT kept the released row's Vapi id
        ledger.repairStarted(T0.plusSeconds(600));
        state.succeeded(ORG, "+14155550001");
        String oldVapiId = state.managed.get(0).vapiPhoneId();
        state.released(ORG, "+14155550001");
        String requestId = "req-again";
        ledger.sent(new Ledger.SentRequest(request(requestId, ORG), T0, false));
        String sid = "PN" + "1".repeat(32);
        state.results.add(new Result(requestId, ORG, ProvisioningStatus.SUCCEEDED, "+14155550001", sid, oldVapiId, null, null));
        state.managed.add(new ManagedNumber(UUID.randomUUID().toString(), ORG, "+14155550001", sid, oldVapiId, "active", requestId, null));
        state.ssot.add(new SsotRow(ORG, "twilio", "+14155550001", oldVapiId, sid, true));
        state.sagas.add(new Saga(requestId, ORG, "COMPLETED", "+14155550001", sid, null, null));
        state.owned.add("+14155550001");
        state.purchases.put("+14155550001", 2);
        state.imports.put("+14155550001", List.of(oldVapiId));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.RELEASED_GONE_EVERYWHERE)).singleElement().asString().contains("is still there");
        assertThat(report.violationsOf(Invariant.NO_RESURRECTION_AFTER_BACKFILL)).singleElement().asString().contains("released Vapi id");
    }

    @Test
    void shouldLetTheOrgThatBoughtAReleasedNumberAgainSeeItInItsDropdown() {
        // given OTHER_ORG's number released, then bought by ORG (its released row listed after the active one)
        state.succeeded(OTHER_ORG, "+14155550001");
        state.released(OTHER_ORG, "+14155550001");
        ManagedNumber released = state.managed.remove(0);
        String requestId = "req-again";
        ledger.sent(new Ledger.SentRequest(request(requestId, ORG), T0, false));
        String sid = "PN" + "1".repeat(32);
        state.results.add(new Result(requestId, ORG, ProvisioningStatus.SUCCEEDED, "+14155550001", sid, "vapi-new", null, null));
        state.managed.add(new ManagedNumber(UUID.randomUUID().toString(), ORG, "+14155550001", sid, "vapi-new", "active", requestId, null));
        state.managed.add(released);
        state.views.add(new OrgView(ORG, List.of("+14155550001"), List.of("+14155550001")));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.ORG_ISOLATION)).isEmpty();
    }

    @Test
    void shouldReportAReleaseAppliedTwiceOrNotSucceeded() {
        // given one release with two NumberReleased events, and one that was refused although its number was active
        ledger.repairStarted(T0.plusSeconds(600));
        state.succeeded(ORG, "+14155550001");
        state.succeeded(ORG, "+14155550002");
        Ledger.SentRelease twice = state.released(ORG, "+14155550001");
        state.releasedEvents.put(twice.requestId(), Set.of("event-a", "event-b"));
        ledger.releaseSent(new Ledger.SentRelease(ReleaseNumberRequest.newBuilder().setEventId("e").setRequestId("rel-refused")
                .setOrgId(ORG).setPhoneNumber("+14155550002").setReason(null).setRequestedAt(T0).build(), T0, "load"));
        state.results.add(new Result("rel-refused", ORG, ProvisioningStatus.REJECTED, "+14155550002", null, null, "VALIDATION", "not active"));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.RELEASE_APPLIED_ONCE)).hasSize(2)
                .anyMatch(v -> v.contains("2 NumberReleased events")).anyMatch(v -> v.contains("ended REJECTED"));
    }

    @Test
    void shouldReportAReleasedRowNoReleaseOfTheRunExplains() {
        // given a managed row released although the run never released it
        state.succeeded(ORG, "+14155550001");
        state.managed.replaceAll(m -> new ManagedNumber(m.id(), m.orgId(), m.phoneNumber(), m.twilioSid(), m.vapiPhoneId(), "released",
                m.requestId(), m.friendlyName()));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.ONE_MANAGED_NUMBER)).singleElement().asString().contains("no SUCCEEDED release");
    }

    @Test
    void shouldPassAStaleRowThatOpenedAndResolvedAndReportOneThatNeverOpened() {
        // given two stale rows injected, only the first opened STALE_SSOT_ROW and resolved
        ledger.staleRow(new Ledger.StaleRow(ORG, "+19995550001", T0));
        ledger.staleRow(new Ledger.StaleRow(ORG, "+19995550002", T0));
        String key = ORG + "|+19995550001";
        state.violations.add(new Violation(key, "STALE_SSOT_ROW", ViolationState.OPEN, T0, T0.plusSeconds(10), null, 0, 1));
        state.violations.add(new Violation(key, "STALE_SSOT_ROW", ViolationState.RESOLVED, T0, T0.plusSeconds(10), T0.plusSeconds(15), 0, 2));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.STALE_ROWS_OPEN_AND_RESOLVE)).singleElement().asString()
                .contains("+19995550002").contains("opened no STALE_SSOT_ROW");
        assertThat(report.violationsOf(Invariant.NO_UNEXPLAINED_VIOLATION)).isEmpty();
    }

    @Test
    void shouldReportAnSsotLossThatOpenedNoViolation() {
        // given
        state.succeeded(ORG, "+14155550001");
        ledger.lost(new Ledger.SsotLoss(ORG, "+14155550001", T0, 1));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.LOSS_OPENED)).hasSize(1);
        assertThat(report.violationsOf(Invariant.LOSS_RESOLVED)).hasSize(1);
    }

    @Test
    void shouldPassAnSsotLossThatOpenedAndResolved() {
        // given
        state.succeeded(ORG, "+14155550001");
        ledger.lost(new Ledger.SsotLoss(ORG, "+14155550001", T0, 1));
        String key = ORG + "|+14155550001";
        state.violations.add(new Violation(key, "MISSING_SSOT_ROW", ViolationState.OPEN, T0, T0.plusSeconds(10), null, 1, 4));
        state.violations.add(new Violation(key, "MISSING_SSOT_ROW", ViolationState.RESOLVED, T0, T0.plusSeconds(10), T0.plusSeconds(20), 1, 5));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.all()).isEmpty();
        assertThat(report.checkedCount(Invariant.LOSS_RESOLVED)).isEqualTo(1);
    }

    @Test
    void shouldReportAMalformedRecordThatIsNotInItsDlqAndAConsumerThatStoppedAtIt() {
        // given
        MalformedRecord bad = new MalformedRecord("faultsuite-1", InputTopic.EVENTS, MalformedKind.RANDOM_BYTES, "events", new byte[] {1},
                new byte[] {(byte) 0xFF, 2}, MalformedRecord.Expectation.DEAD_LETTER, null);
        ledger.malformed(new Ledger.MalformedSent(bad, 0, 5, T0));
        state.committed.put("events", Map.of(0, 5L));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.MALFORMED_IN_DLQ)).singleElement().asString().contains("is not in events.dlq");
        assertThat(report.violationsOf(Invariant.CONSUMERS_WENT_ON)).singleElement().asString().contains("not past");
    }

    @Test
    void shouldPassAMalformedRecordParkedWithItsReasonAndConsumedPast() {
        // given
        byte[] value = {(byte) 0xFF, 2};
        MalformedRecord bad = new MalformedRecord("faultsuite-1", InputTopic.EVENTS, MalformedKind.RANDOM_BYTES, "events", new byte[] {1},
                value, MalformedRecord.Expectation.DEAD_LETTER, null);
        ledger.malformed(new Ledger.MalformedSent(bad, 0, 5, T0));
        state.committed.put("events", Map.of(0, 6L));
        state.deadLetters.add(new DeadLetter("events.dlq", "faultsuite-1", "decode", "not Avro", "Undecodable", value.clone()));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.all()).isEmpty();
    }

    @Test
    void shouldReportADeadLetterNobodyMadeBad() {
        // given: a good record parked
        state.succeeded(ORG, "+14155550001");
        state.deadLetters.add(new DeadLetter("events.dlq", null, "SSOT_WRITE", "unknown organisation", "X", new byte[] {1}));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.MALFORMED_IN_DLQ)).singleElement().asString().contains("nobody made bad");
    }

    @Test
    void shouldReportEveryLeakedSecret() {
        // given
        state.leaks = List.of("log: WARN x: token=<FAKE-SECRET>");

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.NO_SECRET_LEAK)).containsExactly("log: WARN x: token=<FAKE-SECRET>");
    }

    @Test
    void shouldReportAnAttackOnTheStatusServerThatGotThrough() {
        // given: a data route answered without the token, and one that held
        state.httpAttacks = List.of(new ObservedState.HttpAttack("no token: GET /api/status", "401", "200", false),
                new ObservedState.HttpAttack("hostile Host: GET /health", "421", "421", true));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.checkedCount(Invariant.HTTP_SURFACE)).isEqualTo(2);
        assertThat(report.violationsOf(Invariant.HTTP_SURFACE)).containsExactly("no token: GET /api/status: expected 401, got 200");
    }

    @Test
    void shouldReportAnotherOrgsNumberInTheDropdown() {
        // given
        state.succeeded(ORG, "+14155550001");
        state.succeeded(OTHER_ORG, "+14155550002");
        state.views.add(new OrgView(ORG, List.of("+14155550002"), List.of()));

        // when
        CheckReport report = checker.check(ledger, state.build());

        // then
        assertThat(report.violationsOf(Invariant.ORG_ISOLATION)).singleElement().asString().contains("belongs to " + OTHER_ORG);
    }
}

package com.voxanne.ssot.faults.check;

import com.voxanne.ssot.faults.check.ObservedState.DeadLetter;
import com.voxanne.ssot.faults.check.ObservedState.ManagedNumber;
import com.voxanne.ssot.faults.check.ObservedState.OrgView;
import com.voxanne.ssot.faults.check.ObservedState.Probe;
import com.voxanne.ssot.faults.check.ObservedState.Result;
import com.voxanne.ssot.faults.check.ObservedState.Saga;
import com.voxanne.ssot.faults.check.ObservedState.SsotRow;
import com.voxanne.ssot.faults.check.ObservedState.Violation;
import com.voxanne.ssot.faults.inject.MalformedRecord;
import com.voxanne.ssot.faults.inject.MalformedRecord.Expectation;
import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.faults.scenario.Ledger;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Judges a run: compares the final state ({@link ObservedState}) with what was done ({@link Ledger}) and returns every
 * violation of every {@link Invariant}. Pure and reusable: it knows nothing about how the state was read, so it can be
 * pointed at any pipeline's final state (and is unit-tested on hand-made states).
 */
public final class InvariantChecker {
    /** Tolerance at the edges of an open-circuit period (see {@code purchasesWhileBroken}). */
    static final Duration CIRCUIT_SLACK = Duration.ofMillis(250);
    /** Slack around a disruptive fault within which a late SSOT write is explained by it. */
    static final Duration DISRUPTION_SLACK = Duration.ofSeconds(15);
    private static final Map<FaultKind, String> FAILURE_POINT_OF = Map.of(
            FaultKind.TWILIO_PURCHASE_4XX, "TWILIO_PURCHASE",
            FaultKind.VAPI_IMPORT_4XX, "VAPI_IMPORT",
            FaultKind.VAPI_BLANK_ID, "VAPI_VALIDATION");

    private final Duration grace;

    /** @param grace the reconciler's grace period in the run */
    public InvariantChecker(Duration grace) {
        this.grace = grace;
    }

    public CheckReport check(Ledger ledger, ObservedState state) {
        Run run = new Run(ledger, state);
        run.results();
        run.managedNumbers();
        run.ssotRows();
        run.providers();
        run.releases();
        run.violations();
        run.malformed();
        run.secrets();
        run.isolation();
        run.httpSurface();
        return new CheckReport(run.checked, run.violations, run.transients, state.httpAttacks());
    }

    /** One check of one run: the state it reads and the findings it collects. */
    private final class Run {
        private final Ledger ledger;
        private final ObservedState state;
        private final Map<Invariant, Integer> checked = new EnumMap<>(Invariant.class);
        private final Map<Invariant, List<String>> violations = new EnumMap<>(Invariant.class);
        private final List<String> transients = new ArrayList<>();
        private final Map<String, List<Result>> resultsByRequest;
        private final Set<String> uncertain;

        Run(Ledger ledger, ObservedState state) {
            this.ledger = ledger;
            this.state = state;
            this.resultsByRequest = state.results().stream().collect(Collectors.groupingBy(Result::requestId, LinkedHashMap::new,
                    Collectors.toList()));
            this.uncertain = ledger.uncertainRequests();
            for (Invariant i : Invariant.values()) {
                checked.put(i, 0);
                violations.put(i, new ArrayList<>());
            }
        }

        private void count(Invariant i, int n) {
            checked.merge(i, n, Integer::sum);
        }

        private void fail(Invariant i, String what) {
            violations.get(i).add(what);
        }

        /** The one result of a request, if it has exactly one (re-deliveries of the same outcome collapse). */
        private Optional<Result> single(String requestId) {
            List<Result> all = resultsByRequest.getOrDefault(requestId, List.of());
            Set<String> outcomes = all.stream().map(Result::outcome).collect(Collectors.toSet());
            return outcomes.size() == 1 ? Optional.of(all.get(0)) : Optional.empty();
        }

        private void results() {
            List<Ledger.SentRequest> sent = ledger.requests().stream().filter(r -> !uncertain.contains(r.requestId())).toList();
            List<Ledger.MalformedSent> rejectable = ledger.malformed().stream()
                    .filter(m -> m.record().expectation() == Expectation.REJECTED_AND_DEAD_LETTER).toList();
            count(Invariant.ONE_FINAL_RESULT, sent.size() + rejectable.size());
            count(Invariant.OUTCOME_EXPLAINED, sent.size() + rejectable.size());
            List<String> ids = new ArrayList<>(sent.stream().map(Ledger.SentRequest::requestId).toList());
            rejectable.forEach(m -> ids.add(m.record().requestId()));
            List<String> releaseIds = ledger.releases().stream().map(Ledger.SentRelease::requestId).filter(id -> !uncertain.contains(id)).toList();
            ids.addAll(releaseIds);
            count(Invariant.ONE_FINAL_RESULT, releaseIds.size());
            for (String id : ids) {
                List<Result> all = resultsByRequest.getOrDefault(id, List.of());
                Set<String> outcomes = all.stream().map(Result::outcome).collect(Collectors.toCollection(TreeSet::new));
                if (outcomes.isEmpty()) {
                    fail(Invariant.ONE_FINAL_RESULT, "request " + id + " has no result");
                } else if (outcomes.size() > 1) {
                    fail(Invariant.ONE_FINAL_RESULT, "request " + id + " has " + outcomes.size() + " different results: " + outcomes);
                }
            }
            for (Ledger.SentRequest r : sent) {
                single(r.requestId()).filter(res -> res.status() == ProvisioningStatus.REJECTED).ifPresent(res ->
                        fail(Invariant.OUTCOME_EXPLAINED, "valid request " + r.requestId() + " was REJECTED: " + res.error()));
            }
            for (Ledger.MalformedSent m : rejectable) {
                single(m.record().requestId()).ifPresent(res -> {
                    if (res.status() != ProvisioningStatus.REJECTED) {
                        fail(Invariant.OUTCOME_EXPLAINED, "invalid request " + m.record().requestId() + " (" + m.record().kind()
                                + ") ended " + res.status() + " instead of REJECTED");
                    } else if (res.error() == null || res.error().isBlank()) {
                        fail(Invariant.OUTCOME_EXPLAINED, "invalid request " + m.record().requestId() + " was REJECTED without a reason");
                    }
                });
            }
            Map<String, Integer> permanentByPoint = new HashMap<>();
            ledger.injections().stream().filter(i -> i.kind().permanentProviderFault())
                    .forEach(i -> permanentByPoint.merge(FAILURE_POINT_OF.get(i.kind()), 1, Integer::sum));
            Map<String, List<String>> failedByPoint = new LinkedHashMap<>();
            for (Ledger.SentRequest r : sent) {
                single(r.requestId()).filter(res -> res.status() == ProvisioningStatus.FAILED).ifPresent(res ->
                        failedByPoint.computeIfAbsent(String.valueOf(res.failurePoint()), k -> new ArrayList<>())
                                .add(r.requestId() + " (" + res.error() + ")"));
            }
            failedByPoint.forEach((point, failed) -> {
                int explained = permanentByPoint.getOrDefault(point, 0);
                if (failed.size() > explained) {
                    fail(Invariant.OUTCOME_EXPLAINED, failed.size() + " requests FAILED at " + point + " but only " + explained
                            + " permanent provider fault(s) of that kind were injected: " + failed);
                }
            });
        }

        private void managedNumbers() {
            Map<String, List<ManagedNumber>> byRequest = state.managedNumbers().stream().filter(m -> m.requestId() != null)
                    .collect(Collectors.groupingBy(ManagedNumber::requestId));
            List<Ledger.SentRequest> sent = ledger.requests();
            count(Invariant.ONE_MANAGED_NUMBER, sent.size() + state.managedNumbers().size());
            for (Ledger.SentRequest r : sent) {
                List<ManagedNumber> rows = byRequest.getOrDefault(r.requestId(), List.of());
                Optional<Result> result = single(r.requestId());
                if (result.isEmpty()) {
                    continue; // judged by ONE_FINAL_RESULT
                }
                Result res = result.get();
                if (res.status() != ProvisioningStatus.SUCCEEDED) {
                    if (!rows.isEmpty()) {
                        fail(Invariant.ONE_MANAGED_NUMBER, "request " + r.requestId() + " ended " + res.status() + " but holds managed number(s) "
                                + rows.stream().map(ManagedNumber::phoneNumber).toList());
                    }
                    continue;
                }
                if (rows.size() != 1) {
                    fail(Invariant.ONE_MANAGED_NUMBER, "SUCCEEDED request " + r.requestId() + " has " + rows.size() + " managed numbers");
                    continue;
                }
                ManagedNumber m = rows.get(0);
                List<String> wrong = new ArrayList<>();
                boolean releasedByRun = "released".equals(m.status()) && releasedKeys().contains(m.orgId() + "|" + m.phoneNumber());
                if (!"active".equals(m.status()) && !releasedByRun) {
                    wrong.add("status " + m.status() + (("released".equals(m.status())) ? " with no SUCCEEDED release of the run" : ""));
                }
                if (!Objects.equals(m.orgId(), r.orgId())) {
                    wrong.add("org " + m.orgId() + " instead of " + r.orgId());
                }
                if (!Objects.equals(m.phoneNumber(), res.phoneNumber()) || !Objects.equals(m.twilioSid(), res.twilioSid())
                        || !Objects.equals(m.vapiPhoneId(), res.vapiPhoneId())) {
                    wrong.add("row " + m.phoneNumber() + "/" + m.twilioSid() + "/" + m.vapiPhoneId() + " but result said "
                            + res.phoneNumber() + "/" + res.twilioSid() + "/" + res.vapiPhoneId());
                }
                String requestedName = blankToNull(r.request().getFriendlyName());
                if (!Objects.equals(m.friendlyName(), requestedName)) {
                    wrong.add("friendly name stored as [" + m.friendlyName() + "], requested [" + requestedName + "]");
                }
                if (!wrong.isEmpty()) {
                    fail(Invariant.ONE_MANAGED_NUMBER, "managed number of request " + r.requestId() + ": " + String.join("; ", wrong));
                }
            }
            Set<String> known = new HashSet<>();
            sent.forEach(r -> known.add(r.requestId()));
            for (ManagedNumber m : state.managedNumbers()) {
                if (m.requestId() == null || (!known.contains(m.requestId()) && !uncertain.contains(m.requestId()))) {
                    fail(Invariant.ONE_MANAGED_NUMBER, "managed number " + m.phoneNumber() + " belongs to no request of the run ("
                            + m.requestId() + ")");
                }
            }
        }

        private void ssotRows() {
            Set<String> activeRequests = state.managedNumbers().stream().filter(m -> "active".equals(m.status()) && m.requestId() != null)
                    .map(ManagedNumber::requestId).collect(Collectors.toSet());
            Map<String, List<SsotRow>> byKey = state.ssotRows().stream().collect(Collectors.groupingBy(s -> s.orgId() + "|" + s.phoneNumber()));
            Map<String, ManagedNumber> activeByKey = new HashMap<>();
            state.managedNumbers().stream().filter(m -> "active".equals(m.status()))
                    .forEach(m -> activeByKey.put(m.orgId() + "|" + m.phoneNumber(), m));
            int succeeded = 0;
            for (Ledger.SentRequest r : ledger.requests()) {
                Optional<Result> result = single(r.requestId()).filter(res -> res.status() == ProvisioningStatus.SUCCEEDED);
                if (result.isEmpty() || !activeRequests.contains(r.requestId())) {
                    continue; // a released number is judged by RELEASED_GONE_EVERYWHERE and NO_RESURRECTION_AFTER_BACKFILL
                }
                succeeded++;
                Result res = result.get();
                List<SsotRow> rows = byKey.getOrDefault(r.orgId() + "|" + res.phoneNumber(), List.of());
                if (rows.size() != 1) {
                    fail(Invariant.ONE_SSOT_ROW, "SUCCEEDED request " + r.requestId() + " (" + res.phoneNumber() + ") has " + rows.size()
                            + " SSOT rows");
                    continue;
                }
                SsotRow row = rows.get(0);
                List<String> wrong = new ArrayList<>();
                if (!"twilio".equals(row.provider())) {
                    wrong.add("provider " + row.provider());
                }
                if (!row.managed()) {
                    wrong.add("is_managed false");
                }
                if (!Objects.equals(row.vapiPhoneId(), res.vapiPhoneId())) {
                    wrong.add("vapiPhoneId " + row.vapiPhoneId() + " instead of " + res.vapiPhoneId());
                }
                if (!Objects.equals(row.twilioSid(), res.twilioSid())) {
                    wrong.add("twilioSid " + row.twilioSid() + " instead of " + res.twilioSid());
                }
                if (!wrong.isEmpty()) {
                    fail(Invariant.ONE_SSOT_ROW, "SSOT row of " + res.phoneNumber() + " (request " + r.requestId() + "): " + String.join("; ", wrong));
                }
            }
            for (SsotRow row : state.ssotRows()) {
                if (!activeByKey.containsKey(row.orgId() + "|" + row.phoneNumber())) {
                    fail(Invariant.ONE_SSOT_ROW, "SSOT row " + row.orgId() + "|" + row.phoneNumber() + " has no active managed number");
                }
            }
            count(Invariant.ONE_SSOT_ROW, succeeded + state.ssotRows().size());
        }

        /** A number we paid for is either still ours and managed, or was given back by a compensation the saga recorded. */
        private void paidNumbers(Set<String> active) {
            Map<String, List<Saga>> sagasOf = state.sagas().stream().filter(sg -> sg.phoneNumber() != null)
                    .collect(Collectors.groupingBy(Saga::phoneNumber));
            List<String> paid = state.purchasesByPhone().entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey)
                    .sorted().toList();
            count(Invariant.PAID_NUMBER_ACCOUNTED, paid.size());
            for (String phone : paid) {
                boolean owned = state.twilioOwned().contains(phone);
                if (owned && !active.contains(phone)) {
                    fail(Invariant.PAID_NUMBER_ACCOUNTED, phone + " is paid for and owned, but no active managed number has it");
                } else if (!owned && !releasedPhones().contains(phone)
                        && sagasOf.getOrDefault(phone, List.of()).stream().noneMatch(sg -> sg.compensation() != null)) {
                    fail(Invariant.PAID_NUMBER_ACCOUNTED, phone + " was paid for and is no longer owned, with no recorded compensation"
                            + " nor a SUCCEEDED release (sagas " + sagasOf.getOrDefault(phone, List.of()).stream().map(Saga::requestId).toList() + ")");
                }
            }
        }

        /**
         * No purchase inside a time the provider circuit was open. {@link #CIRCUIT_SLACK} at each end covers a purchase
         * already on the wire when the circuit opened, and the watcher's sampling interval when it closed.
         */
        private void purchasesWhileBroken() {
            List<Ledger.CircuitOpen> open = ledger.circuitOpenTimes();
            count(Invariant.NO_PURCHASE_WHILE_BROKEN, state.purchaseTimes().size());
            for (Instant at : state.purchaseTimes()) {
                for (Ledger.CircuitOpen o : open) {
                    if (at.isAfter(o.since().plus(CIRCUIT_SLACK)) && at.isBefore(o.until().minus(CIRCUIT_SLACK))) {
                        fail(Invariant.NO_PURCHASE_WHILE_BROKEN, "a purchase at " + at + " while the provider circuit was open ("
                                + o.since() + " .. " + o.until() + ": " + o.reason() + ")");
                    }
                }
            }
        }

        private void providers() {
            Set<String> active = state.managedNumbers().stream().filter(m -> "active".equals(m.status()))
                    .map(ManagedNumber::phoneNumber).collect(Collectors.toCollection(TreeSet::new));
            Set<String> union = new TreeSet<>(active);
            union.addAll(state.twilioOwned());
            count(Invariant.TWILIO_MATCHES_DB, union.size());
            for (String phone : union) {
                if (!active.contains(phone)) {
                    fail(Invariant.TWILIO_MATCHES_DB, "orphaned purchase: Twilio owns " + phone + " and no active managed number has it");
                } else if (!state.twilioOwned().contains(phone)) {
                    fail(Invariant.TWILIO_MATCHES_DB, "managed number " + phone + " is not owned in Twilio");
                }
            }

            Map<String, Long> buyers = state.sagas().stream().filter(s -> s.phoneNumber() != null && s.twilioSid() != null)
                    .collect(Collectors.groupingBy(Saga::phoneNumber, Collectors.counting()));
            count(Invariant.NO_DOUBLE_PURCHASE, state.purchasesByPhone().size() + 1);
            int attributed = 0;
            for (Map.Entry<String, Integer> e : state.purchasesByPhone().entrySet()) {
                long sagas = buyers.getOrDefault(e.getKey(), 0L);
                attributed += e.getValue();
                if (e.getValue() > sagas) {
                    fail(Invariant.NO_DOUBLE_PURCHASE, e.getKey() + " was bought " + e.getValue() + " times by " + sagas + " request(s)");
                }
            }
            if (state.twilioPurchases() != attributed) {
                fail(Invariant.NO_DOUBLE_PURCHASE, state.twilioPurchases() + " purchases in Twilio, only " + attributed
                        + " of numbers any request chose");
            }

            paidNumbers(active);
            purchasesWhileBroken();

            Map<String, String> vapiIdOf = new HashMap<>();
            state.managedNumbers().stream().filter(m -> "active".equals(m.status())).forEach(m -> vapiIdOf.put(m.phoneNumber(), m.vapiPhoneId()));
            Set<String> all = new TreeSet<>(active);
            all.addAll(state.vapiImportIdsByNumber().keySet());
            count(Invariant.VAPI_MATCHES_DB, all.size());
            for (String phone : all) {
                List<String> ids = state.vapiImportIdsByNumber().getOrDefault(phone, List.of());
                if (!active.contains(phone)) {
                    fail(Invariant.VAPI_MATCHES_DB, "orphaned import: Vapi has " + phone + " " + ids + " and no active managed number has it");
                } else if (ids.size() != 1) {
                    fail(Invariant.VAPI_MATCHES_DB, "managed number " + phone + " is imported " + ids.size() + " times in Vapi " + ids);
                } else if (!ids.get(0).equals(vapiIdOf.get(phone))) {
                    fail(Invariant.VAPI_MATCHES_DB, "managed number " + phone + " has vapiPhoneId " + vapiIdOf.get(phone) + ", Vapi says " + ids.get(0));
                }
            }
        }

        private void violations() {
            List<Violation> ordered = state.violations().stream()
                    .sorted(Comparator.comparing(Violation::partition).thenComparing(Violation::offset)).toList();
            Map<String, Ledger.SsotLoss> losses = new LinkedHashMap<>();
            ledger.losses().forEach(l -> losses.put(l.key(), l));
            count(Invariant.LOSS_OPENED, losses.size());
            count(Invariant.LOSS_RESOLVED, losses.size());
            for (Ledger.SsotLoss loss : losses.values()) {
                List<Violation> ofKey = ordered.stream().filter(v -> v.key().equals(loss.key())).toList();
                Optional<Violation> opened = ofKey.stream().filter(v -> v.state() == ViolationState.OPEN && "MISSING_SSOT_ROW".equals(v.kind())
                        && !v.detectedAt().isBefore(loss.deletedAt().minusSeconds(1))).findFirst();
                if (opened.isEmpty()) {
                    fail(Invariant.LOSS_OPENED, "SSOT row " + loss.key() + " deleted at " + loss.deletedAt() + " opened no MISSING_SSOT_ROW violation");
                    fail(Invariant.LOSS_RESOLVED, "SSOT row " + loss.key() + ": nothing to resolve, no violation was opened");
                    continue;
                }
                boolean resolvedAfter = ofKey.stream().anyMatch(v -> v.state() == ViolationState.RESOLVED && v.offset() > opened.get().offset());
                boolean endsResolved = ofKey.get(ofKey.size() - 1).state() == ViolationState.RESOLVED;
                if (!resolvedAfter || !endsResolved) {
                    fail(Invariant.LOSS_RESOLVED, "violation of " + loss.key() + " is still OPEN after the backfill");
                }
            }

            Map<String, Ledger.StaleRow> staleRows = new LinkedHashMap<>();
            ledger.staleRows().forEach(row -> staleRows.put(row.key(), row));
            staleRows(ordered, staleRows.values());

            List<Ledger.Injection> disruptions = ledger.injections().stream().filter(i -> i.kind().disruptive()).toList();
            Optional<Instant> repair = ledger.repairStartedAt();
            Map<String, List<Violation>> byKey = ordered.stream().collect(Collectors.groupingBy(Violation::key, LinkedHashMap::new,
                    Collectors.toList()));
            int episodes = 0;
            for (Map.Entry<String, List<Violation>> e : byKey.entrySet()) {
                List<Violation> history = e.getValue();
                for (int i = 0; i < history.size(); i++) {
                    Violation v = history.get(i);
                    if (v.state() != ViolationState.OPEN) {
                        continue;
                    }
                    episodes++;
                    boolean resolved = history.subList(i + 1, history.size()).stream().anyMatch(x -> x.state() == ViolationState.RESOLVED);
                    // resolved by the pipeline itself, not by the run's repair (a backfill heals anything, a broken projector too)
                    boolean selfHealed = history.subList(i + 1, history.size()).stream().anyMatch(x -> x.state() == ViolationState.RESOLVED
                            && (repair.isEmpty() || resolutionTime(x).isBefore(repair.get())));
                    Ledger.SsotLoss loss = losses.get(e.getKey());
                    if (loss != null && !v.detectedAt().isBefore(loss.deletedAt().minusSeconds(1))) {
                        continue; // the injected loss explains it
                    }
                    Ledger.StaleRow stale = staleRows.get(e.getKey());
                    if (stale != null && "STALE_SSOT_ROW".equals(v.kind()) && !v.detectedAt().isBefore(stale.insertedAt().minusSeconds(1))) {
                        continue; // the injected stale row explains it
                    }
                    Optional<Ledger.Injection> cause = disruptions.stream().filter(d -> overlaps(v, d)).findFirst();
                    if (cause.isPresent() && selfHealed) {
                        transients.add(e.getKey() + " " + v.kind() + " opened at " + v.detectedAt() + " while " + cause.get().kind()
                                + " (#" + cause.get().index() + ") delayed the SSOT write; resolved");
                        continue;
                    }
                    fail(Invariant.NO_UNEXPLAINED_VIOLATION, e.getKey() + " " + v.kind() + " opened at " + v.detectedAt()
                            + (resolved ? " (resolved later)" : " (still open)") + ": no injected fault explains it");
                }
            }
            count(Invariant.NO_UNEXPLAINED_VIOLATION, episodes);
        }

        /** Each injected stale row: one STALE_SSOT_ROW opened after it was inserted, and the key ends RESOLVED. */
        private void staleRows(List<Violation> ordered, java.util.Collection<Ledger.StaleRow> rows) {
            count(Invariant.STALE_ROWS_OPEN_AND_RESOLVE, rows.size());
            for (Ledger.StaleRow row : rows) {
                List<Violation> ofKey = ordered.stream().filter(v -> v.key().equals(row.key())).toList();
                List<Violation> opened = ofKey.stream().filter(v -> v.state() == ViolationState.OPEN && "STALE_SSOT_ROW".equals(v.kind())
                        && !v.detectedAt().isBefore(row.insertedAt().minusSeconds(1))).toList();
                if (opened.isEmpty()) {
                    fail(Invariant.STALE_ROWS_OPEN_AND_RESOLVE, "stale SSOT row " + row.key() + " inserted at " + row.insertedAt()
                            + " opened no STALE_SSOT_ROW violation");
                    continue;
                }
                if (opened.size() > 1) {
                    fail(Invariant.STALE_ROWS_OPEN_AND_RESOLVE, "stale SSOT row " + row.key() + " opened " + opened.size() + " violations");
                }
                if (ofKey.get(ofKey.size() - 1).state() != ViolationState.RESOLVED) {
                    fail(Invariant.STALE_ROWS_OPEN_AND_RESOLVE, "violation of stale SSOT row " + row.key() + " is still OPEN after its deletion");
                }
            }
        }

        /** org|phone of every release of the run that ended SUCCEEDED. */
        private Set<String> releasedKeys() {
            return succeededReleases().stream().map(Ledger.SentRelease::key).collect(Collectors.toSet());
        }

        private Set<String> releasedPhones() {
            return succeededReleases().stream().map(Ledger.SentRelease::phoneNumber).collect(Collectors.toSet());
        }

        private List<Ledger.SentRelease> succeededReleases() {
            return ledger.releases().stream().filter(rel -> single(rel.requestId()).filter(res -> res.status() == ProvisioningStatus.SUCCEEDED)
                    .isPresent()).toList();
        }

        /**
         * Releases: every one sent for a number active at the time must succeed exactly once, and its number is then gone
         * from every place that offered it, unless a later provision bought it again (then the provision's checks apply).
         */
        private void releases() {
            List<Ledger.SentRelease> sent = ledger.releases().stream().filter(rel -> !uncertain.contains(rel.requestId())).toList();
            Set<String> activeKeys = state.managedNumbers().stream().filter(m -> "active".equals(m.status()))
                    .map(m -> m.orgId() + "|" + m.phoneNumber()).collect(Collectors.toSet());
            Set<String> activePhones = state.managedNumbers().stream().filter(m -> "active".equals(m.status()))
                    .map(ManagedNumber::phoneNumber).collect(Collectors.toSet());
            Map<String, OrgView> views = new HashMap<>();
            state.orgViews().forEach(v -> views.put(v.orgId(), v));
            Set<String> ssotKeys = state.ssotRows().stream().map(r -> r.orgId() + "|" + r.phoneNumber()).collect(Collectors.toSet());
            count(Invariant.RELEASE_APPLIED_ONCE, sent.size());
            Map<String, Long> succeededByKey = new HashMap<>();
            List<Ledger.SentRelease> gone = new ArrayList<>();
            for (Ledger.SentRelease rel : sent) {
                Optional<Result> result = single(rel.requestId());
                if (result.isEmpty()) {
                    continue; // no result, or two different ones: ONE_FINAL_RESULT
                }
                if (result.get().status() != ProvisioningStatus.SUCCEEDED) {
                    fail(Invariant.RELEASE_APPLIED_ONCE, "release " + rel.requestId() + " of active number " + rel.phoneNumber() + " ended "
                            + result.get().status() + " (" + result.get().failurePoint() + ": " + result.get().error() + ")");
                    continue;
                }
                succeededByKey.merge(rel.key(), 1L, Long::sum);
                int events = state.releasedEvents().getOrDefault(rel.requestId(), Set.of()).size();
                if (events != 1) {
                    fail(Invariant.RELEASE_APPLIED_ONCE, "release " + rel.requestId() + " of " + rel.phoneNumber() + " has " + events
                            + " NumberReleased events");
                }
                if (!activeKeys.contains(rel.key()) && !activePhones.contains(rel.phoneNumber())) {
                    gone.add(rel);
                }
            }
            Map<String, Long> releasedRows = state.managedNumbers().stream().filter(m -> "released".equals(m.status()))
                    .collect(Collectors.groupingBy(m -> m.orgId() + "|" + m.phoneNumber(), Collectors.counting()));
            releasedRows.forEach((key, rows) -> {
                long releases = succeededByKey.getOrDefault(key, 0L);
                if (rows > releases) {
                    fail(Invariant.RELEASE_APPLIED_ONCE, key + " has " + rows + " released managed rows, from " + releases
                            + " SUCCEEDED release(s) of the run");
                }
            });

            releasedImportsGone(sent, succeededByKey.keySet());
            count(Invariant.RELEASED_GONE_EVERYWHERE, gone.size());
            count(Invariant.NO_RESURRECTION_AFTER_BACKFILL, gone.size());
            if (!gone.isEmpty() && ledger.repairStartedAt().isEmpty()) {
                fail(Invariant.NO_RESURRECTION_AFTER_BACKFILL, "no backfill ran, so the released numbers were never put to the test");
            }
            for (Ledger.SentRelease rel : gone) {
                List<String> still = new ArrayList<>();
                if (state.twilioOwned().contains(rel.phoneNumber())) {
                    still.add("owned in Twilio");
                }
                if (!state.vapiImportIdsByNumber().getOrDefault(rel.phoneNumber(), List.of()).isEmpty()) {
                    still.add("imported in Vapi " + state.vapiImportIdsByNumber().get(rel.phoneNumber()));
                }
                OrgView view = views.get(rel.orgId());
                if (view != null && view.dropdownNumbers().contains(rel.phoneNumber())) {
                    still.add("in the org's dropdown");
                }
                if (releasedRows.getOrDefault(rel.key(), 0L) == 0) {
                    still.add("no released managed row");
                }
                if (!still.isEmpty()) {
                    fail(Invariant.RELEASED_GONE_EVERYWHERE, "released " + rel.key() + " (release " + rel.requestId() + "): "
                            + String.join("; ", still));
                }
                if (ssotKeys.contains(rel.key())) {
                    fail(Invariant.NO_RESURRECTION_AFTER_BACKFILL, "released " + rel.key() + " (release " + rel.requestId()
                            + ") is in the SSOT again after the backfill");
                }
            }
        }

        /**
         * Also for a number bought again after its release (most are, in a run: the fake Twilio offers the lowest free
         * number first): the released row's Vapi import is gone, and no SSOT row offers it under that old id.
         */
        private void releasedImportsGone(List<Ledger.SentRelease> sent, Set<String> releasedKeys) {
            Set<String> importIds = state.vapiImportIdsByNumber().values().stream().flatMap(List::stream).collect(Collectors.toSet());
            Set<String> ssotIds = state.ssotRows().stream().map(r -> r.orgId() + "|" + r.phoneNumber() + "|" + r.vapiPhoneId())
                    .collect(Collectors.toSet());
            List<ManagedNumber> releasedRows = state.managedNumbers().stream().filter(m -> "released".equals(m.status())
                    && releasedKeys.contains(m.orgId() + "|" + m.phoneNumber())).toList();
            count(Invariant.RELEASED_GONE_EVERYWHERE, releasedRows.size());
            count(Invariant.NO_RESURRECTION_AFTER_BACKFILL, releasedRows.size());
            for (ManagedNumber m : releasedRows) {
                if (importIds.contains(m.vapiPhoneId())) {
                    fail(Invariant.RELEASED_GONE_EVERYWHERE, "released " + m.orgId() + "|" + m.phoneNumber() + ": its Vapi import "
                            + m.vapiPhoneId() + " is still there");
                }
                if (ssotIds.contains(m.orgId() + "|" + m.phoneNumber() + "|" + m.vapiPhoneId())) {
                    fail(Invariant.NO_RESURRECTION_AFTER_BACKFILL, "released " + m.orgId() + "|" + m.phoneNumber()
                            + " is offered in the SSOT again with its released Vapi id " + m.vapiPhoneId());
                }
            }
        }

        private Instant resolutionTime(Violation resolved) {
            return resolved.resolvedAt() != null ? resolved.resolvedAt() : resolved.detectedAt();
        }

        /** The number went missing while (or shortly after) a disruptive fault took a component away. */
        private boolean overlaps(Violation v, Ledger.Injection d) {
            Instant from = d.startedAt().minus(DISRUPTION_SLACK);
            Instant to = d.endedAt().plus(d.recovery() == null ? Duration.ZERO : d.recovery()).plus(grace).plus(DISRUPTION_SLACK);
            Instant missingSince = v.missingSince() == null ? v.detectedAt() : v.missingSince();
            return !missingSince.isAfter(to) && !v.detectedAt().isBefore(from);
        }

        private void malformed() {
            Map<String, List<DeadLetter>> byId = state.deadLetters().stream().filter(d -> d.faultId() != null)
                    .collect(Collectors.groupingBy(DeadLetter::faultId));
            List<Ledger.MalformedSent> sent = ledger.malformed();
            count(Invariant.MALFORMED_IN_DLQ, sent.size() + state.deadLetters().size());
            count(Invariant.CONSUMERS_WENT_ON, sent.size());
            Set<String> injectedIds = new LinkedHashSet<>();
            for (Ledger.MalformedSent m : sent) {
                MalformedRecord r = m.record();
                injectedIds.add(r.id());
                String dlq = DeadLetters.topicFor(r.topic());
                List<DeadLetter> parked = byId.getOrDefault(r.id(), List.of()).stream().filter(d -> d.topic().equals(dlq)).toList();
                if (parked.isEmpty()) {
                    fail(Invariant.MALFORMED_IN_DLQ, r.kind() + " " + r.id() + " on " + r.topic() + " is not in " + dlq);
                } else {
                    DeadLetter d = parked.get(0);
                    if (d.reason() == null || d.reason().isBlank() || d.stage() == null || d.stage().isBlank()) {
                        fail(Invariant.MALFORMED_IN_DLQ, r.kind() + " " + r.id() + " parked without a reason or stage");
                    }
                    if (!Arrays.equals(d.value(), r.value())) {
                        fail(Invariant.MALFORMED_IN_DLQ, r.kind() + " " + r.id() + " parked with other bytes than were sent");
                    }
                }
                Long committed = state.committedOffsets().getOrDefault(r.topic(), Map.of()).get(m.partition());
                if (committed == null || committed <= m.offset()) {
                    fail(Invariant.CONSUMERS_WENT_ON, "the consumer of " + r.topic() + " committed " + committed + " on partition "
                            + m.partition() + ", not past the malformed record at offset " + m.offset() + " (" + r.kind() + ")");
                }
            }
            for (DeadLetter d : state.deadLetters()) {
                if (d.faultId() == null || !injectedIds.contains(d.faultId())) {
                    fail(Invariant.MALFORMED_IN_DLQ, "a record nobody made bad was parked on " + d.topic() + " (stage " + d.stage() + "): "
                            + d.reason());
                }
            }
        }

        private void secrets() {
            count(Invariant.NO_SECRET_LEAK, (int) Math.min(Integer.MAX_VALUE, state.secrets().itemsScanned()));
            state.secrets().leaks().forEach(l -> fail(Invariant.NO_SECRET_LEAK, l));
        }

        private void httpSurface() {
            count(Invariant.HTTP_SURFACE, state.httpAttacks().size());
            state.httpAttacks().stream().filter(a -> !a.held()).forEach(a -> fail(Invariant.HTTP_SURFACE,
                    a.attack() + ": expected " + a.expected() + ", got " + a.got()));
        }

        private void isolation() {
            // a number released by one org and bought again by another belongs to the buyer: active rows win
            Map<String, String> ownerOf = new HashMap<>();
            state.managedNumbers().stream().filter(m -> !"active".equals(m.status())).forEach(m -> ownerOf.put(m.phoneNumber(), m.orgId()));
            state.managedNumbers().stream().filter(m -> "active".equals(m.status())).forEach(m -> ownerOf.put(m.phoneNumber(), m.orgId()));
            count(Invariant.ORG_ISOLATION, state.orgViews().size() + state.probes().size());
            for (OrgView view : state.orgViews()) {
                List<String> shown = new ArrayList<>(view.dropdownNumbers());
                shown.addAll(view.complianceNumbers());
                for (String phone : shown) {
                    String owner = ownerOf.get(phone);
                    if (!view.orgId().equals(owner)) {
                        fail(Invariant.ORG_ISOLATION, "org " + view.orgId() + " is shown " + phone + ", which belongs to " + owner);
                    }
                }
            }
            for (Probe probe : state.probes()) {
                if (probe.exposedNumbers()) {
                    fail(Invariant.ORG_ISOLATION, "hostile organisation id [" + probe.input() + "] was shown numbers: " + probe.outcome());
                }
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}

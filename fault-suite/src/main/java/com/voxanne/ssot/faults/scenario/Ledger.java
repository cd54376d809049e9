package com.voxanne.ssot.faults.scenario;

import com.voxanne.ssot.faults.inject.MalformedRecord;
import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.projector.backfill.BackfillSummary;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a run did to the pipeline, as it did it: the organisations, every request sent, every fault injected
 * (when, whether it hit, how long the pipeline took to recover), every malformed record with where it landed, every
 * SSOT row deleted and every repair. The checker compares the final state against it. Thread-safe.
 */
public final class Ledger {
    /** An organisation of the run. */
    public record Organization(String id, String name, String email) {
    }

    /** A well-formed request for a known organisation: it must end in exactly one SUCCEEDED or FAILED result. */
    public record SentRequest(ProvisionNumberRequest request, Instant sentAt, boolean canary) {
        public String requestId() {
            return request.getRequestId();
        }

        public String orgId() {
            return request.getOrgId();
        }
    }

    /**
     * A release of a number that was active when it was sent, for its organisation: it must end in exactly one result,
     * SUCCEEDED, and then the number is gone from Twilio, Vapi, the SSOT and the dropdown (unless bought again later).
     *
     * @param by what sent it: the steady load, or the fault that did
     */
    public record SentRelease(ReleaseNumberRequest request, Instant sentAt, String by) {
        public String requestId() {
            return request.getRequestId();
        }

        public String orgId() {
            return request.getOrgId();
        }

        public String phoneNumber() {
            return request.getPhoneNumber();
        }

        public String key() {
            return orgId() + "|" + phoneNumber();
        }
    }

    /** An SSOT row inserted for a number nobody manages (the drift STALE_SSOT_ROW catches), and when it was removed again. */
    public record StaleRow(String orgId, String phoneNumber, Instant insertedAt) {
        public String key() {
            return orgId + "|" + phoneNumber;
        }
    }

    /**
     * One injected fault.
     *
     * @param triggered whether it hit something (a kill trap reached, a backend terminated, ...)
     * @param recovery  after a disruptive fault: how long until the pipeline was healthy and a number provisioned after the
     *                  fault was in the SSOT; null for other faults, and when it did not recover in time (noted)
     */
    public record Injection(int index, FaultKind kind, String variant, Instant startedAt, Instant endedAt, boolean triggered,
                            String detail, Duration recovery) {
    }

    /** A malformed record and where the broker put it. */
    public record MalformedSent(MalformedRecord record, int partition, long offset, Instant sentAt) {
    }

    /** An SSOT row deleted behind the pipeline's back. */
    public record SsotLoss(String orgId, String phoneNumber, Instant deletedAt, int rowsDeleted) {
        public String key() {
            return orgId + "|" + phoneNumber;
        }
    }

    /** A stale (older) NumberProvisioned published after the real one. */
    public record StaleEvent(String orgId, String phoneNumber, String staleVapiPhoneId) {
    }

    /** A time the provisioner's provider circuit was open (credentials known broken): no purchase may start in it. */
    public record CircuitOpen(Instant since, Instant until, String reason) {
    }

    private final long seed;
    private final String setting;
    private final List<CircuitOpen> circuitOpen = new ArrayList<>();
    private final Set<String> stolenNumbers = new LinkedHashSet<>();
    private final List<Organization> organizations = new ArrayList<>();
    private final Map<String, SentRequest> requests = new LinkedHashMap<>();
    private final Map<String, Integer> duplicates = new LinkedHashMap<>();
    private final List<Injection> injections = new ArrayList<>();
    private final List<MalformedSent> malformed = new ArrayList<>();
    private final List<SsotLoss> losses = new ArrayList<>();
    private final List<StaleEvent> staleEvents = new ArrayList<>();
    private final List<BackfillSummary> backfills = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, SentRelease> releases = new LinkedHashMap<>();
    private final Set<String> releasing = new LinkedHashSet<>();
    private final Map<String, Integer> releaseDuplicates = new LinkedHashMap<>();
    private final List<StaleRow> staleRows = new ArrayList<>();
    private final Set<String> uncertain = new LinkedHashSet<>();
    private Instant started = Instant.now();
    private Instant finished;
    private Instant repairStarted;

    public Ledger(long seed, String setting) {
        this.seed = seed;
        this.setting = setting;
    }

    public long seed() {
        return seed;
    }

    public String setting() {
        return setting;
    }

    public synchronized void started(Instant at) {
        started = at;
    }

    public synchronized void finished(Instant at) {
        finished = at;
    }

    public synchronized Duration duration() {
        return Duration.between(started, finished == null ? Instant.now() : finished);
    }

    public synchronized void organization(Organization org) {
        organizations.add(org);
    }

    public synchronized void sent(SentRequest request) {
        requests.putIfAbsent(request.requestId(), request);
    }

    /**
     * Claims {@code orgId|phoneNumber} for one release: false when a release of it was already sent, so the load never
     * sends two different releases of one number (the second would rightly be refused, and the checker could not tell).
     */
    public synchronized boolean claimRelease(String orgId, String phoneNumber) {
        return releasing.add(orgId + "|" + phoneNumber);
    }

    public synchronized void releaseSent(SentRelease release) {
        releases.putIfAbsent(release.requestId(), release);
    }

    public synchronized void releaseDuplicate(String requestId) {
        releaseDuplicates.merge(requestId, 1, Integer::sum);
    }

    public synchronized List<SentRelease> releases() {
        return List.copyOf(releases.values());
    }

    public synchronized Map<String, Integer> releaseDuplicates() {
        return Map.copyOf(releaseDuplicates);
    }

    public synchronized void staleRow(StaleRow row) {
        staleRows.add(row);
    }

    public synchronized List<StaleRow> staleRows() {
        return List.copyOf(staleRows);
    }

    public synchronized void duplicate(String requestId) {
        duplicates.merge(requestId, 1, Integer::sum);
    }

    public synchronized void injected(Injection injection) {
        injections.add(injection);
    }

    public synchronized void malformed(MalformedSent sent) {
        malformed.add(sent);
    }

    public synchronized void lost(SsotLoss loss) {
        losses.add(loss);
    }

    public synchronized void stale(StaleEvent event) {
        staleEvents.add(event);
    }

    /** When the SSOT repair (backfill) began: a violation resolved after it was resolved by the repair, not by the pipeline. */
    public synchronized void repairStarted(Instant at) {
        if (repairStarted == null) {
            repairStarted = at;
        }
    }

    public synchronized Optional<Instant> repairStartedAt() {
        return Optional.ofNullable(repairStarted);
    }

    public synchronized void repaired(BackfillSummary summary) {
        backfills.add(summary);
    }

    /** Something the run noticed but does not judge (a wait that timed out, a fault that hit nothing). */
    public synchronized void note(String note) {
        notes.add(note);
    }

    /** A request whose send was never acknowledged: it may or may not have reached the pipeline (not judged). */
    public synchronized void uncertain(String requestId) {
        uncertain.add(requestId);
    }

    public synchronized Set<String> uncertainRequests() {
        return Set.copyOf(uncertain);
    }

    public synchronized List<Organization> organizations() {
        return List.copyOf(organizations);
    }

    public synchronized List<SentRequest> requests() {
        return List.copyOf(requests.values());
    }

    public synchronized Optional<SentRequest> request(String requestId) {
        return Optional.ofNullable(requests.get(requestId));
    }

    public synchronized Map<String, Integer> duplicates() {
        return Map.copyOf(duplicates);
    }

    public synchronized List<Injection> injections() {
        return List.copyOf(injections);
    }

    public synchronized List<MalformedSent> malformed() {
        return List.copyOf(malformed);
    }

    public synchronized List<SsotLoss> losses() {
        return List.copyOf(losses);
    }

    public synchronized List<StaleEvent> staleEvents() {
        return List.copyOf(staleEvents);
    }

    public synchronized void circuitOpen(CircuitOpen open) {
        circuitOpen.add(open);
    }

    public synchronized List<CircuitOpen> circuitOpenTimes() {
        return List.copyOf(circuitOpen);
    }

    /** A number another Twilio customer bought after one of our sagas chose it. */
    public synchronized void stolen(String phoneNumber) {
        stolenNumbers.add(phoneNumber);
    }

    public synchronized Set<String> stolenNumbers() {
        return Set.copyOf(stolenNumbers);
    }

    public synchronized List<BackfillSummary> backfills() {
        return List.copyOf(backfills);
    }

    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    /** Request ids that must end in a result: every well-formed request, and every decodable invalid one (REJECTED). */
    public synchronized List<String> requestIdsAwaitingResults() {
        List<String> ids = new ArrayList<>(requests.keySet());
        ids.addAll(releases.keySet());
        malformed.stream().map(m -> m.record().requestId()).filter(id -> id != null).forEach(ids::add);
        return ids;
    }
}

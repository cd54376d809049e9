package com.voxanne.ssot.faults.check;

import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The final state of a run, as read by {@link StateReader}: topics, tables, the fake providers' inventories, the
 * consumers' committed offsets, what the dropdown and the compliance check show per organisation, and the result of
 * the secret scan. Plain data, so {@link InvariantChecker} is a pure function of it and the ledger.
 *
 * @param purchaseTimes    when the fake Twilio sold us each number (the effect, whatever the answer said)
 * @param committedOffsets by topic, then partition: the offset the consuming group has committed
 * @param releasedEvents   by requestId: the distinct eventIds of the NumberReleased records on the event log (a record
 *                         published again byte for byte keeps its eventId, so it counts once)
 */
public record ObservedState(List<Result> results, List<Violation> violations, List<DeadLetter> deadLetters,
                            List<ManagedNumber> managedNumbers, List<SsotRow> ssotRows, List<Saga> sagas,
                            Set<String> twilioOwned, int twilioPurchases, Map<String, Integer> purchasesByPhone,
                            List<Instant> purchaseTimes,
                            Map<String, List<String>> vapiImportIdsByNumber, Map<String, Map<Integer, Long>> committedOffsets,
                            List<OrgView> orgViews, List<Probe> probes, List<HttpAttack> httpAttacks, SecretScan secrets,
                            Map<String, Set<String>> releasedEvents) {

    /** A state read before releases existed: no NumberReleased on the event log. */
    public ObservedState(List<Result> results, List<Violation> violations, List<DeadLetter> deadLetters,
                         List<ManagedNumber> managedNumbers, List<SsotRow> ssotRows, List<Saga> sagas,
                         Set<String> twilioOwned, int twilioPurchases, Map<String, Integer> purchasesByPhone,
                         List<Instant> purchaseTimes,
                         Map<String, List<String>> vapiImportIdsByNumber, Map<String, Map<Integer, Long>> committedOffsets,
                         List<OrgView> orgViews, List<Probe> probes, List<HttpAttack> httpAttacks, SecretScan secrets) {
        this(results, violations, deadLetters, managedNumbers, ssotRows, sagas, twilioOwned, twilioPurchases, purchasesByPhone,
                purchaseTimes, vapiImportIdsByNumber, committedOffsets, orgViews, probes, httpAttacks, secrets, Map.of());
    }

    public record Result(String requestId, String orgId, ProvisioningStatus status, String phoneNumber, String twilioSid,
                         String vapiPhoneId, String failurePoint, String error) {
        /** What must be the same across re-deliveries of one request's result. */
        public String outcome() {
            return status + "|" + phoneNumber + "|" + twilioSid + "|" + vapiPhoneId + "|" + failurePoint;
        }
    }

    public record Violation(String key, String kind, ViolationState state, Instant missingSince, Instant detectedAt,
                            Instant resolvedAt, int partition, long offset) {
    }

    /** A record on a dead-letter topic; {@code faultId} is the suite's header (null on a record the suite did not make bad). */
    public record DeadLetter(String topic, String faultId, String stage, String reason, String errorClass, byte[] value) {
    }

    public record ManagedNumber(String id, String orgId, String phoneNumber, String twilioSid, String vapiPhoneId, String status,
                                String requestId, String friendlyName) {
    }

    public record SsotRow(String orgId, String provider, String phoneNumber, String vapiPhoneId, String twilioSid, boolean managed) {
    }

    public record Saga(String requestId, String orgId, String state, String phoneNumber, String twilioSid, String failurePoint,
                       String compensation) {
    }

    /** What the agent-config dropdown and the compliance check show for one organisation. */
    public record OrgView(String orgId, List<String> dropdownNumbers, List<String> complianceNumbers) {
    }

    /** A hostile organisation identifier given to the dropdown and the compliance check. */
    /** One attack on the status server: what it was expected to get, what it got. */
    public record HttpAttack(String attack, String expected, String got, boolean held) {
    }

    public record Probe(String input, String outcome, boolean exposedNumbers) {
    }

    /** @param leaks where a fake secret was found, with a masked excerpt */
    public record SecretScan(long itemsScanned, List<String> leaks) {
    }
}

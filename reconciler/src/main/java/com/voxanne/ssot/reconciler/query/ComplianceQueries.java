package com.voxanne.ssot.reconciler.query;

import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.NumberObservation;
import com.voxanne.ssot.reconciler.model.OpenViolation;
import com.voxanne.ssot.reconciler.model.SsotRow;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopologyConfig.StoreNames;
import com.voxanne.ssot.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read-only answers from the reconciler's state stores (interactive queries): the open violations, and
 * the compliance of one organisation's managed numbers.
 *
 * <p>Local: these read this instance's stores, which hold only its partitions when several instances run;
 * {@link ClusterQueries} gathers every instance's part into a complete answer.
 */
public final class ComplianceQueries {
    /** The order of {@code /api/violations}: longest wrong first. */
    public static final Comparator<OpenViolationView> OLDEST_FIRST =
            Comparator.comparing(OpenViolationView::missingSince).thenComparing(OpenViolationView::phoneNumber);
    private final StoreAccess stores;
    private final StoreNames names;
    private final TimelineQueries timeline;

    public ComplianceQueries(StoreAccess stores, StoreNames names) {
        this.stores = stores;
        this.names = names;
        this.timeline = new TimelineQueries(stores, names);
    }

    /** The compliance timeline over the same stores. */
    public TimelineQueries timeline() {
        return timeline;
    }

    /** Every OPEN violation, oldest first. */
    public List<OpenViolationView> openViolations(Instant now) {
        ReadOnlyKeyValueStore<String, OpenViolation> open = stores.keyValueStore(names.openViolations());
        List<OpenViolationView> out = new ArrayList<>();
        try (KeyValueIterator<String, OpenViolation> it = open.all()) {
            while (it.hasNext()) {
                OpenViolation v = it.next().value;
                out.add(new OpenViolationView(v.orgId(), v.phoneNumber(), v.kind().name(), v.managedNumberId(),
                        v.expectedVapiPhoneId(), v.observedVapiPhoneId(), Instant.ofEpochMilli(v.missingSince()),
                        Instant.ofEpochMilli(v.openedAt()), Math.max(0, (now.toEpochMilli() - v.missingSince()) / 1000)));
            }
        }
        out.sort(OLDEST_FIRST);
        return out;
    }

    /** How many violations are OPEN now. */
    public long openCount() {
        ReadOnlyKeyValueStore<String, OpenViolation> open = stores.keyValueStore(names.openViolations());
        long n = 0;
        try (KeyValueIterator<String, OpenViolation> it = open.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    /** The OPEN violations counted by kind, and when the oldest of them opened: one pass over the store, for metrics. */
    public OpenSummary openSummary() {
        ReadOnlyKeyValueStore<String, OpenViolation> open = stores.keyValueStore(names.openViolations());
        EnumMap<Compliance, Long> byKind = new EnumMap<>(Compliance.class);
        long oldestOpenedAt = Long.MAX_VALUE;
        try (KeyValueIterator<String, OpenViolation> it = open.all()) {
            while (it.hasNext()) {
                OpenViolation v = it.next().value;
                if (v == null) {
                    continue;
                }
                byKind.merge(v.kind(), 1L, Long::sum);
                oldestOpenedAt = Math.min(oldestOpenedAt, v.openedAt());
            }
        }
        return new OpenSummary(byKind, oldestOpenedAt == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(oldestOpenedAt));
    }

    /**
     * @param byKind         OPEN violations per kind (kinds with none are absent)
     * @param oldestOpenedAt when the oldest OPEN violation opened (epoch millis), empty when none is open
     */
    public record OpenSummary(Map<Compliance, Long> byKind, OptionalLong oldestOpenedAt) {
        public static final OpenSummary NONE = new OpenSummary(Map.of(), OptionalLong.empty());

        public OpenSummary {
            byKind = Map.copyOf(byKind);
        }

        public long count(Compliance kind) {
            return byKind.getOrDefault(kind, 0L);
        }

        /** Seconds since the oldest OPEN violation opened, 0 when none is open. */
        public double oldestAgeSeconds(long nowMillis) {
            return oldestOpenedAt.isPresent() ? Math.max(0, nowMillis - oldestOpenedAt.getAsLong()) / 1000.0 : 0;
        }
    }

    /** Every ACTIVE managed number of the organisation, by phone number. */
    public OrgComplianceView orgCompliance(String orgId) {
        ReadOnlyKeyValueStore<String, ManagedNumberRow> managed = stores.keyValueStore(names.managedNumbers());
        ReadOnlyKeyValueStore<String, SsotRow> credentials = stores.keyValueStore(names.orgCredentials());
        ReadOnlyKeyValueStore<String, NumberObservation> observations = stores.keyValueStore(names.observations());
        ReadOnlyKeyValueStore<String, OpenViolation> open = stores.keyValueStore(names.openViolations());
        List<NumberComplianceView> numbers = new ArrayList<>();
        try (KeyValueIterator<String, ManagedNumberRow> it =
                     managed.prefixScan(orgId + Topics.KEY_SEPARATOR, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, ManagedNumberRow> entry = it.next();
                ManagedNumberRow row = entry.value;
                if (row == null || !row.active() || !row.orgId().equalsIgnoreCase(orgId)) {
                    continue;
                }
                SsotRow ssot = credentials.get(entry.key);
                Compliance compliance = Compliance.of(row, ssot);
                NumberObservation observation = observations.get(entry.key);
                OpenViolation openViolation = open.get(entry.key);
                String alert = openViolation != null ? "OPEN" : compliance.violation() ? "PENDING" : "NONE";
                numbers.add(new NumberComplianceView(row.phoneNumber(), row.id(), compliance.name(), alert,
                        ssot != null, ssot == null ? null : ssot.managed(), row.vapiPhoneId(),
                        ssot == null ? null : ssot.vapiPhoneId(),
                        observation == null ? null : Instant.ofEpochMilli(observation.nonCompliantSince()),
                        openViolation == null ? null : Instant.ofEpochMilli(openViolation.openedAt())));
            }
        }
        return OrgComplianceView.of(orgId, numbers);
    }
}

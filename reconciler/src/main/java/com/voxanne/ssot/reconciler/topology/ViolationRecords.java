package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.OpenViolation;
import com.voxanne.ssot.reconciler.model.ResolvedBy;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.time.Instant;

/**
 * Builds the published {@link SsotViolation} records. Event ids are deterministic from what the state
 * store holds (key, episode start, state, and for a kind change the kind and revision), so a re-emission
 * after an aborted transaction carries the same id.
 */
public final class ViolationRecords {
    public static final String EVENT_TYPE = "SsotViolation";

    private ViolationRecords() {
    }

    /** The OPEN record of this episode (first or after a kind change), emitted at {@code now}. */
    public static SsotViolation open(String key, OpenViolation v, long now) {
        return base(v, now)
                .setEventId(openEventId(key, v))
                .setState(ViolationState.OPEN)
                .setObservedVapiPhoneId(v.observedVapiPhoneId())
                .setResolvedAt(null)
                .setResolvedBy(null)
                .build();
    }

    /**
     * The RESOLVED record that closes this episode at {@code now}.
     *
     * @param resolvedBy what resolved it (null when unknown)
     */
    public static SsotViolation resolved(String key, OpenViolation v, String observedVapiPhoneId, ResolvedBy resolvedBy,
                                         long now) {
        return base(v, now)
                .setEventId(resolvedEventId(key, v.missingSince()))
                .setState(ViolationState.RESOLVED)
                .setObservedVapiPhoneId(observedVapiPhoneId)
                .setResolvedAt(Instant.ofEpochMilli(now))
                .setResolvedBy(resolvedBy == null ? null : resolvedBy.name())
                .build();
    }

    public static String openEventId(String key, OpenViolation v) {
        if (v.revision() == 0) {
            return EventIds.of(EVENT_TYPE, key, Long.toString(v.missingSince()), ViolationState.OPEN.name());
        }
        return EventIds.of(EVENT_TYPE, key, Long.toString(v.missingSince()), ViolationState.OPEN.name(),
                v.kind().name(), Integer.toString(v.revision()));
    }

    public static String resolvedEventId(String key, long missingSince) {
        return EventIds.of(EVENT_TYPE, key, Long.toString(missingSince), ViolationState.RESOLVED.name());
    }

    private static SsotViolation.Builder base(OpenViolation v, long now) {
        return SsotViolation.newBuilder()
                .setOrgId(v.orgId())
                .setPhoneNumber(v.phoneNumber())
                .setKind(v.kind().toKind())
                .setManagedNumberId(v.managedNumberId())
                .setExpectedVapiPhoneId(v.expectedVapiPhoneId())
                .setMissingSince(Instant.ofEpochMilli(v.missingSince()))
                .setDetectedAt(Instant.ofEpochMilli(now));
    }
}

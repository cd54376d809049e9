package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.time.Instant;
import java.util.Optional;

/**
 * One row of {@code provisioning_requests}: the saga's durable state. Immutable; every store operation returns
 * the row as the database has it afterwards.
 */
public record SagaRecord(
        String requestId,
        String orgId,
        String countryCode,
        String areaCode,
        String friendlyName,
        SagaState state,
        String phoneNumber,
        String twilioSid,
        String vapiPhoneId,
        int attempts,
        FailurePoint failurePoint,
        String error,
        String compensation,
        String leaseOwner,
        Instant leaseUntil,
        Instant nextAttemptAt,
        long arrivalSeq,
        boolean resultPublished,
        Instant requestedAt,
        Instant receivedAt,
        Instant updatedAt,
        Instant completedAt,
        String lostNumbers,
        String traceparent,
        String tracestate,
        SagaKind kind,
        String releaseReason) {

    /**
     * The trace this saga belongs to (the request's, see migration V8): every run of the saga, on whichever instance,
     * continues it. Empty for sagas recorded before V8 (or when the inbox had tracing off and got no traceparent).
     */
    public Optional<TraceParent> trace() {
        return TraceParent.fromColumns(traceparent, tracestate);
    }

    /** The numbers this saga lost to another buyer, in order (see migration V5). */
    public java.util.List<String> lostNumberList() {
        return lostNumbers == null || lostNumbers.isBlank() ? java.util.List.of() : java.util.List.of(lostNumbers.split(","));
    }

    public Optional<String> areaCodeOpt() {
        return Optional.ofNullable(areaCode);
    }

    public Optional<String> friendlyNameOpt() {
        return Optional.ofNullable(friendlyName).filter(s -> !s.isBlank());
    }

    public boolean isRelease() {
        return kind == SagaKind.RELEASE;
    }

    public boolean hasVapiPhoneId() {
        return vapiPhoneId != null && !vapiPhoneId.isBlank();
    }

    /** Short form for log lines and errors: never carries a secret (none is stored here). */
    @Override
    public String toString() {
        return "Saga[" + (isRelease() ? "release, " : "") + "request=" + requestId + ", org=" + orgId + ", state=" + state + ", phone=" + phoneNumber + ", twilioSid="
                + twilioSid + ", vapiPhoneId=" + vapiPhoneId + ", attempts=" + attempts + "]";
    }
}

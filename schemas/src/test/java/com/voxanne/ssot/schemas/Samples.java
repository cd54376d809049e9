package com.voxanne.ssot.schemas;

import java.time.Instant;
import java.util.List;

import org.apache.avro.specific.SpecificRecord;

import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import com.voxanne.ssot.schemas.avro.ViolationState;

/** Realistic sample records for tests, one per contract record (plus variants). */
public final class Samples {

    public static final String ORG_ID = "7f1c1a52-5a3e-4b2f-9a63-0d1d6f2e4c11";
    public static final String REQUEST_ID = "req-2024-0001";
    public static final Instant AT = Instant.parse("2024-05-01T12:34:56.789Z");

    private Samples() {
    }

    public static ProvisionNumberRequest request() {
        return ProvisionNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(REQUEST_ID, "ProvisionNumberRequest"))
                .setRequestId(REQUEST_ID)
                .setOrgId(ORG_ID)
                .setAreaCode("415")
                .setFriendlyName("Front desk")
                .setRequestedAt(AT)
                .build();
    }

    public static ProvisioningResult failedResult() {
        return ProvisioningResult.newBuilder()
                .setEventId(EventIds.forRequest(REQUEST_ID, "ProvisioningResult"))
                .setRequestId(REQUEST_ID)
                .setOrgId(ORG_ID)
                .setStatus(ProvisioningStatus.FAILED)
                .setPhoneNumber("+14155550123")
                .setTwilioSid("PN0123456789abcdef0123456789abcdef")
                .setFailurePoint(FailurePoint.VAPI_IMPORT)
                .setError("Vapi answered 422: number already imported")
                .setCompletedAt(AT.plusSeconds(3))
                .build();
    }

    public static NumberProvisioned numberProvisioned() {
        return NumberProvisioned.newBuilder()
                .setEventId(EventIds.forRequest(REQUEST_ID, "NumberProvisioned"))
                .setRequestId(REQUEST_ID)
                .setOrgId(ORG_ID)
                .setPhoneNumber("+14155550123")
                .setTwilioSid("PN0123456789abcdef0123456789abcdef")
                .setVapiPhoneId("3b1f0c8e-vapi-phone")
                .setProvisionedAt(AT.plusSeconds(2))
                .build();
    }

    public static SsotViolation resolvedViolation() {
        return SsotViolation.newBuilder()
                .setEventId(EventIds.of("SsotViolation", ORG_ID, "+14155550123", "RESOLVED"))
                .setOrgId(ORG_ID)
                .setPhoneNumber("+14155550123")
                .setKind(ViolationKind.MISSING_SSOT_ROW)
                .setState(ViolationState.RESOLVED)
                .setManagedNumberId("42")
                .setExpectedVapiPhoneId("3b1f0c8e-vapi-phone")
                .setObservedVapiPhoneId("3b1f0c8e-vapi-phone")
                .setMissingSince(AT)
                .setDetectedAt(AT.plusSeconds(60))
                .setResolvedAt(AT.plusSeconds(90))
                .setResolvedBy("BACKFILL")
                .build();
    }

    public static ReleaseNumberRequest releaseRequest() {
        return ReleaseNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest("rel-2024-0001", "ReleaseNumberRequest"))
                .setRequestId("rel-2024-0001")
                .setOrgId(ORG_ID)
                .setPhoneNumber("+14155550123")
                .setReason("customer closed the clinic")
                .setRequestedAt(AT.plusSeconds(600))
                .build();
    }

    public static NumberReleased numberReleased() {
        return NumberReleased.newBuilder()
                .setEventId(EventIds.forRequest("rel-2024-0001", "NumberReleased"))
                .setRequestId("rel-2024-0001")
                .setOrgId(ORG_ID)
                .setPhoneNumber("+14155550123")
                .setTwilioSid("PN0123456789abcdef0123456789abcdef")
                .setVapiPhoneId("3b1f0c8e-vapi-phone")
                .setReleasedAt(AT.plusSeconds(605))
                .build();
    }

    /** One sample of every contract record. */
    public static List<SpecificRecord> all() {
        return List.of(request(), failedResult(), numberProvisioned(), resolvedViolation(), releaseRequest(), numberReleased());
    }
}

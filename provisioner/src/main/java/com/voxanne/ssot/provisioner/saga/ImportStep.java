package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PURCHASED -> IMPORTED: import the bought number into Vapi, once. Same discipline as the purchase: an attempt is
 * counted before it is sent, a saga with earlier attempts looks the number up first, an ambiguous failure is followed
 * by a look-up, a refusal is permanent. A blank vapiPhoneId is a permanent VAPI_VALIDATION failure. Every permanent
 * failure here leads to compensation: the number is bought and must not stay paid for and unrecorded.
 */
final class ImportStep {
    static final String STEP = "import";
    private static final Logger log = LoggerFactory.getLogger(ImportStep.class);

    private final SagaContext ctx;

    ImportStep(SagaContext ctx) {
        this.ctx = ctx;
    }

    StepOutcome run(SagaRecord saga) {
        String phone = saga.phoneNumber();
        if (saga.attempts() > 0) {
            Optional<ImportedNumber> found;
            try {
                found = ctx.timed("import_look_up", () -> ctx.directory.findByNumber(phone));
            } catch (ProviderException e) {
                return ctx.retryLater(saga, STEP, "cannot look up " + phone + " after an earlier import attempt: " + e.getMessage(), true);
            }
            if (found.isPresent()) {
                log.info("Look-up finds {} already imported (id {}) by an earlier attempt: org={} request={}", phone, found.get().id(),
                        saga.orgId(), saga.requestId());
                return imported(saga, found.get());
            }
            if (ctx.expired(saga)) {
                return ctx.fail(saga, FailurePoint.VAPI_IMPORT, "gave up after " + saga.attempts() + " attempts: "
                        + (saga.error() == null ? "import kept failing" : saga.error()), true, null);
            }
        }
        SagaRecord attempt = ctx.store.transitions().beginAttempt(saga, saga.leaseOwner(), ctx.lease());
        ImportedNumber imported;
        try {
            imported = ctx.leased(attempt, STEP, () -> ctx.directory.importNumber(phone, nameFor(attempt)));
        } catch (ProviderException e) {
            if (e.isPermanent()) {
                return ctx.fail(attempt, FailurePoint.VAPI_IMPORT, e.getMessage(), true, null);
            }
            return afterAmbiguousImport(attempt, e);
        }
        ctx.reached(SagaCheckpoint.IMPORT_RESPONDED, attempt);
        return imported(attempt, imported);
    }

    private StepOutcome afterAmbiguousImport(SagaRecord attempt, ProviderException failure) {
        Optional<ImportedNumber> found;
        try {
            found = ctx.timed("import_look_up", () -> ctx.directory.findByNumber(attempt.phoneNumber()));
        } catch (ProviderException lookUp) {
            return ctx.retryLater(attempt, STEP, failure.getMessage() + "; looking up failed too: " + lookUp.getMessage(), false);
        }
        if (found.isPresent()) {
            log.info("Import of {} failed ambiguously but look-up finds it imported (id {}): continuing. org={} request={}",
                    attempt.phoneNumber(), found.get().id(), attempt.orgId(), attempt.requestId());
            return imported(attempt, found.get());
        }
        return ctx.retryLater(attempt, STEP, failure.getMessage() + " (look-up: not imported)", false);
    }

    private StepOutcome imported(SagaRecord saga, ImportedNumber imported) {
        if (!imported.hasId()) {
            return ctx.fail(saga, FailurePoint.VAPI_VALIDATION, "Vapi answered the import of " + saga.phoneNumber()
                    + " without a phone id", true, null);
        }
        SagaRecord next = ctx.store.transitions().advance(saga, saga.leaseOwner(), ctx.lease(), SagaState.IMPORTED, null, imported.id());
        ctx.reached(SagaCheckpoint.IMPORTED, next);
        return StepOutcome.advanced(next);
    }

    /** Vapi's name for the number: the request's friendly name or a default, within Vapi's 40 characters. */
    static String nameFor(SagaRecord saga) {
        String name = saga.friendlyNameOpt().orElse("Managed " + saga.phoneNumber());
        return name.length() <= 40 ? name : name.substring(0, 40);
    }
}

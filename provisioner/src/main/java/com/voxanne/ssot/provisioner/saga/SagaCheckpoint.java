package com.voxanne.ssot.provisioner.saga;

/**
 * Points in a saga where a {@link SagaStepListener} is told what just happened. The "RESPONDED" points come after
 * a provider said yes and BEFORE the database knows: the moments a crash is most dangerous.
 */
public enum SagaCheckpoint {
    /** The chosen E.164 is stored (state NUMBER_CHOSEN); nothing bought yet. */
    NUMBER_CHOSEN,
    /** A purchase attempt is counted in the database and about to be sent (a worker paused here may lose its lease). */
    PURCHASE_SENDING,
    /** Twilio answered the purchase with success; the saga has not stored it yet. */
    PURCHASE_RESPONDED,
    /** PURCHASED is stored. */
    PURCHASED,
    /** Vapi answered the import with success; the saga has not stored it yet. */
    IMPORT_RESPONDED,
    /** IMPORTED is stored. */
    IMPORTED,
    /** Inside the final transaction: managed row, outbox row and COMPLETED written, not committed yet. */
    BEFORE_COMMIT,
    /** The final transaction is committed. */
    COMPLETED,
    /** Compensation finished (state FAILED). */
    COMPENSATED,
    /** Release: the number is validated (state RELEASE_VALIDATED); nothing deleted yet. */
    RELEASE_VALIDATED,
    /** Release: Vapi answered the delete (deleted, or already gone); the saga has not stored it yet. */
    VAPI_DELETE_RESPONDED,
    /** Release: VAPI_DELETED is stored. */
    VAPI_DELETED,
    /** Release: Twilio answered the release (released, or already gone); the saga has not stored it yet. */
    TWILIO_RELEASE_RESPONDED,
    /** Release: TWILIO_RELEASED is stored. */
    TWILIO_RELEASED,
    /** Release: inside the final transaction (managed row released, outbox row, COMPLETED), not committed yet. */
    RELEASE_BEFORE_COMMIT,
    /** Release: the final transaction is committed. */
    RELEASED
}

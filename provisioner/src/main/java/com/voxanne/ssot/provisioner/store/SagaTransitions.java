package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.schemas.avro.FailurePoint;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The moves of a saga between states, and what each step records on the way (attempts, errors, compensation). Every
 * write is fenced by the lease ({@link FencedUpdate}): it names the owner and the state it expects.
 */
public final class SagaTransitions {
    private static final int MAX_ERROR = 1000;

    private final Transactions tx;

    public SagaTransitions(DataSource dataSource) {
        this.tx = new Transactions(dataSource);
    }

    /** Counts one more attempt of the current step and renews the lease, BEFORE the side effect is tried. */
    public SagaRecord beginAttempt(SagaRecord saga, String owner, Duration lease) {
        return new FencedUpdate().set("attempts = attempts + 1").lease(lease).apply(tx, "count an attempt of", saga, owner);
    }

    /** Moves to the next state, storing what the step learned (a null field keeps the stored value). */
    public SagaRecord advance(SagaRecord saga, String owner, Duration lease, SagaState to, String twilioSid, String vapiPhoneId) {
        return new FencedUpdate()
                .set("state = ?", to.name())
                .set("twilio_sid = COALESCE(?, twilio_sid)", twilioSid)
                .set("vapi_phone_id = COALESCE(?, vapi_phone_id)", vapiPhoneId)
                .set("attempts = 0, error = NULL, updated_at = now()")
                .lease(lease)
                .apply(tx, "move to " + to + ":", saga, owner);
    }

    /**
     * NUMBER_CHOSEN -> RECEIVED: another buyer bought the chosen number (Twilio refused it and the read-back shows we do
     * not own it). The number is added to lost_numbers and released from the in-flight index, so the saga chooses
     * another candidate next (never one it lost).
     */
    public SagaRecord loseNumber(SagaRecord saga, String owner, Duration lease, String why) {
        return new FencedUpdate()
                .set("state = 'RECEIVED', lost_numbers = CASE WHEN lost_numbers IS NULL OR lost_numbers = '' THEN phone_number"
                        + " ELSE lost_numbers || ',' || phone_number END, phone_number = NULL, attempts = 0")
                .set("error = ?", SagaRows.truncate(why, MAX_ERROR))
                .set("updated_at = now()")
                .lease(lease)
                .apply(tx, "record a lost number of", saga, owner);
    }

    /** Gives the saga back until {@code delay} has passed, noting why (redacted by the caller). */
    public void retryLater(SagaRecord saga, String owner, Duration delay, String error, boolean countAttempt) {
        new FencedUpdate()
                .set("next_attempt_at = now() + (? * interval '1 millisecond')", delay.toMillis())
                .set("error = ?", SagaRows.truncate(error, MAX_ERROR))
                .set("attempts = attempts + ?", countAttempt ? 1 : 0)
                .set("lease_owner = NULL, lease_until = NULL")
                .apply(tx, "schedule a retry of", saga, owner);
    }

    /**
     * Records a failure: COMPENSATING when something was bought and must be released, else FAILED (with
     * {@code compensationNote} saying why nothing needed releasing).
     */
    public SagaRecord fail(SagaRecord saga, String owner, Duration lease, FailurePoint point, String error, boolean compensate,
                           String compensationNote) {
        return new FencedUpdate()
                .set("state = ?", compensate ? SagaState.COMPENSATING.name() : SagaState.FAILED.name())
                .set("failure_point = ?", point.name())
                .set("error = ?", SagaRows.truncate(error, MAX_ERROR))
                .set("compensation = ?", compensate ? null : compensationNote)
                .set("attempts = 0, updated_at = now()")
                .set("completed_at = CASE WHEN ? THEN NULL ELSE now() END", compensate)
                .lease(lease)
                .apply(tx, "record the failure of", saga, owner);
    }

    /** Records compensation progress; {@code done} ends the saga as FAILED. */
    public SagaRecord recordCompensation(SagaRecord saga, String owner, Duration lease, String compensation, boolean done) {
        return new FencedUpdate()
                .set("compensation = ?", compensation)
                .set("state = CASE WHEN ? THEN 'FAILED' ELSE state END", done)
                .set("completed_at = CASE WHEN ? THEN now() ELSE completed_at END", done)
                .set("attempts = 0, updated_at = now()")
                .lease(lease)
                .apply(tx, "record the compensation of", saga, owner);
    }

    /**
     * A request found invalid by its saga rather than by the inbox (a release of a number that is not an active managed
     * number of the org): REJECTED at REQUEST_VALIDATION, nothing done.
     */
    public SagaRecord reject(SagaRecord saga, String owner, Duration lease, String error) {
        return new FencedUpdate()
                .set("state = 'REJECTED', failure_point = 'REQUEST_VALIDATION'")
                .set("error = ?", SagaRows.truncate(error, MAX_ERROR))
                .set("attempts = 0, updated_at = now(), completed_at = now()")
                .lease(lease)
                .apply(tx, "reject", saga, owner);
    }
}

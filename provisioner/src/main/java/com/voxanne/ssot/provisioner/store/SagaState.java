package com.voxanne.ssot.provisioner.store;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a saga (a provision or, from RELEASE_VALIDATED on, a release: see {@link SagaKind}) stands, as stored in {@code provisioning_requests.state}. Each state names what is
 * already true in the world, so a saga resumed after a crash knows what to check before acting again.
 */
public enum SagaState {
    /** Recorded by the inbox, validated; nothing chosen or bought yet. */
    RECEIVED,
    /** A number was picked from the search and stored BEFORE buying; a purchase may be in flight. */
    NUMBER_CHOSEN,
    /** Twilio owns the number for us (twilio_sid set); an import may be in flight. */
    PURCHASED,
    /** Vapi has the number (vapi_phone_id set, non-blank); the database write is next. */
    IMPORTED,
    /** Done: managed row, outbox event and this state were committed in one transaction. */
    COMPLETED,
    /** A permanent failure after a purchase: releasing in Vapi and Twilio. */
    COMPENSATING,
    /** Failed for good (see failure_point); anything bought was released. */
    FAILED,
    /** The request itself was invalid; nothing was done. */
    REJECTED,
    /**
     * Release only: the number is an active managed number of the org, its twilio_sid and vapi_phone_id copied from the
     * managed row; a Vapi delete may be in flight.
     */
    RELEASE_VALIDATED,
    /** Release only: Vapi no longer has the import (deleted, or already gone); a Twilio release may be in flight. */
    VAPI_DELETED,
    /** Release only: Twilio no longer owns the number for us; the final write (managed row released + event) is next. */
    TWILIO_RELEASED;

    public static final Set<SagaState> TERMINAL = Collections.unmodifiableSet(EnumSet.of(COMPLETED, FAILED, REJECTED));
    public static final Set<SagaState> UNFINISHED = Collections.unmodifiableSet(EnumSet.complementOf(EnumSet.copyOf(TERMINAL)));

    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }

    /** {@code states} as an SQL list for {@code state IN ...}, e.g. {@code ('COMPLETED', 'FAILED', 'REJECTED')}. */
    static String sqlList(Set<SagaState> states) {
        return states.stream().sorted().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", ", "(", ")"));
    }
}

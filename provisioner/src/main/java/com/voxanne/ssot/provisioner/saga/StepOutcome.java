package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.provisioner.store.SagaRecord;

/**
 * What one saga step did: moved the saga on (to its next state, or to a failure), or handed it back with a retry
 * scheduled, in which case the worker lets it go and the saga is claimed again when the retry comes due.
 */
sealed interface StepOutcome {
    /** The saga as stored after the step; the runner goes on from there. */
    record Advanced(SagaRecord saga) implements StepOutcome {
    }

    /** The saga was handed back (lease released) until its next attempt. */
    record RetryScheduled() implements StepOutcome {
    }

    static StepOutcome advanced(SagaRecord saga) {
        return new Advanced(saga);
    }

    static StepOutcome retryScheduled() {
        return new RetryScheduled();
    }
}

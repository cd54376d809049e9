package com.voxanne.ssot.relay.engine;

/**
 * The connector handed over a record the relay's configuration cannot have produced (an unknown topic,
 * a key without {@code org_id}/{@code phone_number}, a value of an unknown type). The relay stops and
 * restarts rather than guess: the record is not acknowledged, so nothing is lost, and health says why.
 */
public final class UnexpectedRecordException extends RuntimeException {
    public UnexpectedRecordException(String message) {
        super(message);
    }
}

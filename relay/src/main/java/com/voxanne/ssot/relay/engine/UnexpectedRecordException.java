package com.voxanne.ssot.relay.engine;

/**
 * The connector handed over a record the relay's configuration cannot have produced (an unknown topic,
 * a key without {@code org_id}/{@code phone_number}, a value of an unknown type). The relay does not guess: the
 * change is parked on its dead-letter topic with this message ({@code RelayDeadLetters}), and the slot moves past it
 * only once Kafka has it.
 */
public final class UnexpectedRecordException extends RuntimeException {
    public UnexpectedRecordException(String message) {
        super(message);
    }
}

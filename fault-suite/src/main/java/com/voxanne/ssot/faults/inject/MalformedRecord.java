package com.voxanne.ssot.faults.inject;

/**
 * One piece of bad input, ready to publish. Its {@code id} travels in the {@link #ID_HEADER} header, which the
 * dead-letter topics keep, so the checker can find exactly this record there.
 *
 * @param requestId the requestId a REJECTED result must carry (null when the record cannot be answered)
 */
public record MalformedRecord(String id, InputTopic input, MalformedKind kind, String topic, byte[] key, byte[] value,
                              Expectation expectation, String requestId) {
    /** Header carrying {@link #id}. */
    public static final String ID_HEADER = "faultsuite.id";

    /** What the pipeline must do with it. */
    public enum Expectation {
        /** Park it on the dead-letter topic with a reason and go on. */
        DEAD_LETTER,
        /** A decodable but invalid request: a REJECTED result with a reason, and a copy on the dead-letter topic. */
        REJECTED_AND_DEAD_LETTER
    }

    @Override
    public String toString() {
        return "MalformedRecord[" + id + ", " + kind + " on " + topic + ", " + (value == null ? "null" : value.length + " bytes") + "]";
    }
}

package com.voxanne.ssot.reconciler.model;

/**
 * What resolved a violation, for the compliance timeline and the RESOLVED record's {@code resolvedBy}: who wrote the
 * SSOT row that fixed it (the {@code written_by} column of migration V9), or that the managed number itself stopped
 * needing a row.
 */
public enum ResolvedBy {
    /** The projector's normal path wrote the fixing SSOT row. */
    PROJECTOR,
    /** A backfill replay wrote it. */
    BACKFILL,
    /** Any other write: an operator's manual SQL. */
    OPERATOR,
    /** The managed number was released or deleted: nothing to enforce any more. */
    NUMBER_CHANGED;

    /**
     * @param writtenBy the SSOT row's {@code written_by} ({@code projector}, {@code backfill}, {@code operator})
     * @return who that is, or null when unknown (a row written before the database recorded writers)
     */
    public static ResolvedBy ofWriter(String writtenBy) {
        if (writtenBy == null) {
            return null;
        }
        return switch (writtenBy) {
            case "projector" -> PROJECTOR;
            case "backfill" -> BACKFILL;
            case "operator" -> OPERATOR;
            default -> null;
        };
    }
}

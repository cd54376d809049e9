package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.schemas.Topics;

/**
 * Keys of the episodes store: {@code orgId|E.164|<openedAt millis, 19 zero-padded digits>}. Starting with the
 * organisation lets a prefix scan of {@code orgId|} serve one organisation's timeline; the padded time keeps one
 * number's episodes in the order they opened (the store orders keys by their bytes).
 */
public final class EpisodeKeys {
    private static final int DIGITS = 19;

    private EpisodeKeys() {
    }

    /**
     * @param numberKey the record key of the number, {@code orgId|E.164}
     * @param openedAt  when the episode's OPEN was published
     */
    static String of(String numberKey, long openedAt) {
        if (openedAt < 0) {
            throw new IllegalArgumentException("openedAt must be >= 0, was " + openedAt);
        }
        String digits = Long.toString(openedAt);
        return numberKey + Topics.KEY_SEPARATOR + "0".repeat(DIGITS - digits.length()) + digits;
    }

    /** The prefix of every episode key of one organisation. */
    public static String orgPrefix(String orgId) {
        return orgId + Topics.KEY_SEPARATOR;
    }
}

package com.voxanne.ssot.reconciler.topology;

/**
 * Keys of the due-index store: {@code <dueAt, 19 zero-padded digits>|<record key>}. The store orders
 * keys by their bytes, so ordering by these strings is ordering by due time: a punctuation reads only
 * the entries that are due and stops at the first one in the future.
 */
final class DueKeys {
    private static final int DIGITS = 19;

    private DueKeys() {
    }

    static String of(long dueAt, String key) {
        if (dueAt < 0) {
            throw new IllegalArgumentException("due time must be >= 0, was " + dueAt);
        }
        StringBuilder sb = new StringBuilder(DIGITS + 1 + key.length());
        String digits = Long.toString(dueAt);
        sb.append("0".repeat(DIGITS - digits.length())).append(digits).append('|').append(key);
        return sb.toString();
    }

    static long dueAt(String dueKey) {
        return Long.parseLong(dueKey, 0, DIGITS, 10);
    }
}

package com.voxanne.ssot.relay.slot;

/**
 * One sample of the relay's replication slot.
 *
 * @param exists            the slot is there (it is created by the connector on first start)
 * @param active            a walsender is streaming from it
 * @param activePid         that walsender's process id, 0 when none
 * @param lagBytes          {@code pg_current_wal_lsn() - confirmed_flush_lsn}; -1 when unknown
 * @param confirmedFlushLsn what the consumer confirmed, e.g. {@code 0/1A2B3C4}; null when unknown
 * @param walStatus         PostgreSQL's {@code wal_status}: reserved, extended, unreserved (about to lose WAL past
 *                          max_slot_wal_keep_size) or lost; null when unknown
 */
public record SlotState(boolean exists, boolean active, int activePid, long lagBytes, String confirmedFlushLsn,
                        String walStatus) {
    public static final SlotState UNKNOWN = new SlotState(false, false, 0, -1, null, null);

    /** The slot lost WAL it had not relayed: changes are gone from it (only a backfill recovers them). */
    public boolean lostWal() {
        return "lost".equals(walStatus);
    }

    /** The slot keeps more WAL than max_slot_wal_keep_size allows: the next checkpoint may drop what it has not relayed. */
    public boolean aboutToLoseWal() {
        return "unreserved".equals(walStatus);
    }
}

package com.voxanne.ssot.relay.metrics;

import java.time.Clock;

/**
 * The batch the relay holds but Kafka has not acknowledged yet: when its oldest change was committed
 * in Postgres and since when the relay has been waiting. Written by the engine's batch thread, read by
 * metrics scrapes and health checks. Idle means age 0.
 */
public final class InFlight {
    private final Clock clock;
    private volatile long oldestSourceMicros;
    private volatile long waitingSinceMillis;
    private volatile int records;

    public InFlight(Clock clock) {
        this.clock = clock;
    }

    /** A batch of {@code count} records, the oldest committed at {@code oldestSourceMicros}, is being sent. */
    public void begin(long oldestSourceMicros, int count) {
        this.oldestSourceMicros = oldestSourceMicros;
        this.records = count;
        this.waitingSinceMillis = clock.millis();
    }

    /** The batch was acknowledged (or abandoned because the engine stopped). */
    public void end() {
        this.records = 0;
        this.waitingSinceMillis = 0;
        this.oldestSourceMicros = 0;
    }

    /** Now minus the commit time of the oldest change not yet acknowledged by Kafka; 0 when idle. */
    public long oldestUnrelayedAgeMillis() {
        long oldest = oldestSourceMicros;
        if (records == 0 || oldest == 0) {
            return 0;
        }
        return Math.max(0, clock.millis() - oldest / 1000);
    }

    /** How long the current batch has waited for Kafka; 0 when idle. */
    public long waitingMillis() {
        long since = waitingSinceMillis;
        return records == 0 || since == 0 ? 0 : Math.max(0, clock.millis() - since);
    }

    public int records() {
        return records;
    }
}

package com.voxanne.ssot.benchmarks.backfill;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The backfill's events, made from their index so that the replay (from Kafka), the ceiling (from memory) and the
 * naive baseline write exactly the same rows, and nothing has to be kept in memory: event {@code i} is number
 * {@code +1 2000000000+i} of organisation {@code i mod orgs}. Odd indexes also exist in org_credentials before
 * each measurement, with an older version ({@link #seedVersion}), so half the events insert and half update.
 */
public final class SyntheticEvents {
    /** provisionedAt of event 0; event i is i ms later (its version). */
    static final long BASE_MILLIS = Instant.parse("2026-02-01T00:00:00Z").toEpochMilli();
    /** Pre-existing rows are a day older than the events that replace them. */
    static final long SEED_OFFSET_MILLIS = 24L * 3600 * 1000;
    private static final long EVENT_MSB = 0x5eed_0000_0000_4000L;
    private static final long VAPI_MSB = 0x7a91_0000_0000_4000L;
    private static final long OLD_VAPI_MSB = 0x01d0_0000_0000_4000L;
    private static final long ORG_MSB = 0x0a90_0000_0000_4000L;
    private static final long VARIANT = 0x8000_0000_0000_0000L;

    private final int count;
    private final List<String> orgIds;

    public SyntheticEvents(int count, int orgs) {
        this.count = count;
        List<String> ids = new ArrayList<>(orgs);
        for (int k = 0; k < orgs; k++) {
            ids.add(new UUID(ORG_MSB, VARIANT | k).toString());
        }
        this.orgIds = List.copyOf(ids);
    }

    public int count() {
        return count;
    }

    public List<String> orgIds() {
        return orgIds;
    }

    public NumberProvisioned event(int i) {
        return NumberProvisioned.newBuilder()
                .setEventId(new UUID(EVENT_MSB, VARIANT | i).toString())
                .setRequestId("bench-backfill-" + i)
                .setOrgId(orgId(i))
                .setPhoneNumber(phone(i))
                .setTwilioSid(twilioSid(i))
                .setVapiPhoneId(new UUID(VAPI_MSB, VARIANT | i).toString())
                .setProvisionedAt(Instant.ofEpochMilli(BASE_MILLIS + i))
                .build();
    }

    /** Events {@code from} (inclusive) to {@code to} (exclusive). */
    public List<NumberProvisioned> range(int from, int to) {
        List<NumberProvisioned> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(event(i));
        }
        return out;
    }

    /** Whether event {@code i} finds an older row for its key. */
    public static boolean conflicts(int i) {
        return (i & 1) == 1;
    }

    /** How many of the first {@code n} events conflict. */
    public static long conflictsIn(int n) {
        return n / 2;
    }

    String orgId(int i) {
        return orgIds.get(i % orgIds.size());
    }

    static String phone(int i) {
        return "+1" + (2_000_000_000L + i);
    }

    static String twilioSid(int i) {
        return String.format("PN%032x", i);
    }

    static String oldVapiPhoneId(int i) {
        return new UUID(OLD_VAPI_MSB, VARIANT | i).toString();
    }

    static long seedVersion(int i) {
        return BASE_MILLIS - SEED_OFFSET_MILLIS + i;
    }
}

package com.voxanne.ssot.faults.system;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;

/**
 * Moves a stopped consumer group's committed offsets back: the state a consumer leaves behind when it dies after its
 * work is committed but before its offsets are (its last batches are delivered again), or a replay from the start.
 */
public final class GroupOffsets {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private GroupOffsets() {
    }

    /**
     * Rewinds every partition of {@code topic} by 1..{@code maxBack} records (at random), as if the last commits were lost.
     *
     * @return how many records will be delivered again
     */
    public static long rewind(Admin admin, String group, String topic, int maxBack, Random random)
            throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group, topic);
        Map<TopicPartition, OffsetAndMetadata> rewound = new HashMap<>();
        long total = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
            long back = Math.min(e.getValue().offset(), 1 + random.nextInt(Math.max(1, maxBack)));
            rewound.put(e.getKey(), new OffsetAndMetadata(e.getValue().offset() - back));
            total += back;
        }
        alter(admin, group, rewound);
        return total;
    }

    /** Rewinds every committed partition of {@code topic} to offset 0 (the topics here are never truncated). */
    public static long toStart(Admin admin, String group, String topic) throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group, topic);
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        long total = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
            start.put(e.getKey(), new OffsetAndMetadata(0));
            total += e.getValue().offset();
        }
        alter(admin, group, start);
        return total;
    }

    /** The group's committed offsets on {@code topic}. */
    public static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group, String topic)
            throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> all;
        try {
            all = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ExecutionException("listing the offsets of group " + group + " timed out", e);
        }
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        all.forEach((tp, o) -> {
            if (o != null && tp.topic().equals(topic)) {
                out.put(tp, o);
            }
        });
        return out;
    }

    /** The group's members may still be leaving: retried until the group is empty (bounded). */
    private static void alter(Admin admin, String group, Map<TopicPartition, OffsetAndMetadata> offsets)
            throws InterruptedException, ExecutionException {
        if (offsets.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                admin.alterConsumerGroupOffsets(group, offsets).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                boolean stillLeaving = e.getCause() instanceof GroupNotEmptyException || e.getCause() instanceof UnknownMemberIdException;
                if (!stillLeaving || System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new ExecutionException("altering the offsets of group " + group + " timed out", e);
            }
        }
    }
}

package com.voxanne.ssot.projector.backfill;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What a replay reads: per partition, from the start position up to the end offset captured when the replay began
 * (records written later are the live projector's), and how far it has got. A partition is paused once read to its end.
 */
final class ReplayRange {
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> start;
    private final Map<TopicPartition, Long> end;
    private final Set<TopicPartition> remaining = new HashSet<>();
    private final long total;

    private ReplayRange(List<TopicPartition> partitions, Map<TopicPartition, Long> start,
                        Map<TopicPartition, Long> end) {
        this.partitions = partitions;
        this.start = start;
        this.end = end;
        long records = 0;
        for (TopicPartition tp : partitions) {
            long span = end.get(tp) - start.get(tp);
            if (span > 0) {
                remaining.add(tp);
                records += span;
            }
        }
        this.total = records;
    }

    /** @throws BackfillException the topic does not exist */
    static ReplayRange of(Consumer<byte[], byte[]> consumer, String topic, StartFrom from) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new BackfillException("topic " + topic + " does not exist: nothing to replay");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        return new ReplayRange(partitions, startOffsets(consumer, partitions, from, end), end);
    }

    private static Map<TopicPartition, Long> startOffsets(Consumer<byte[], byte[]> consumer,
                                                          List<TopicPartition> partitions, StartFrom from,
                                                          Map<TopicPartition, Long> end) {
        if (from.since().isEmpty()) {
            return new HashMap<>(consumer.beginningOffsets(partitions));
        }
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, from.since().get().toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> start = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            start.put(tp, at == null ? end.get(tp) : Math.min(at.offset(), end.get(tp)));
        }
        return start;
    }

    /** Records to read in all. */
    long total() {
        return total;
    }

    boolean finished() {
        return remaining.isEmpty();
    }

    /** Assigns the partitions with records to read, each at its start position. */
    void assignTo(Consumer<byte[], byte[]> consumer) {
        consumer.assign(remaining);
        remaining.forEach(tp -> consumer.seek(tp, start.get(tp)));
    }

    /** The polled records that are inside the range, in poll order. */
    List<ConsumerRecord<byte[], byte[]>> inRange(ConsumerRecords<byte[], byte[]> polled) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(polled.count());
        for (TopicPartition tp : polled.partitions()) {
            long limit = end.get(tp);
            for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
                if (r.offset() < limit) {
                    batch.add(r);
                }
            }
        }
        return batch;
    }

    /** Records read so far, by the consumer's positions; partitions read to their end are paused and done. */
    long advance(Consumer<byte[], byte[]> consumer) {
        long done = 0;
        for (TopicPartition tp : partitions) {
            long s = start.get(tp);
            long e = end.get(tp);
            if (remaining.contains(tp)) {
                long position = consumer.position(tp);
                if (position >= e) {
                    remaining.remove(tp);
                    consumer.pause(List.of(tp));
                }
                done += Math.min(position, e) - s;
            } else {
                done += Math.max(0, e - s);
            }
        }
        return done;
    }
}

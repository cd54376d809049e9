package com.voxanne.ssot.projector.consumer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The batch the loop is working on: its records, whether its SSOT transaction has committed, and the
 * offsets to commit once it has. Kept across retries so the SAME batch is retried; partitions taken
 * away by a rebalance are dropped from it (their new owner redoes them, idempotently).
 */
final class PendingBatch {
    private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
    private boolean written;

    PendingBatch(ConsumerRecords<byte[], byte[]> polled) {
        for (TopicPartition tp : polled.partitions()) {
            byPartition.put(tp, new ArrayList<>(polled.records(tp)));
        }
    }

    List<ConsumerRecord<byte[], byte[]>> records() {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>(size());
        byPartition.values().forEach(all::addAll);
        return all;
    }

    int size() {
        int n = 0;
        for (List<ConsumerRecord<byte[], byte[]>> records : byPartition.values()) {
            n += records.size();
        }
        return n;
    }

    boolean isEmpty() {
        return byPartition.isEmpty();
    }

    boolean written() {
        return written;
    }

    void markWritten() {
        written = true;
    }

    /** Next offset to consume per partition: last record + 1. */
    Map<TopicPartition, OffsetAndMetadata> offsets() {
        return offsets(byPartition.keySet());
    }

    Map<TopicPartition, OffsetAndMetadata> offsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            List<ConsumerRecord<byte[], byte[]>> records = byPartition.get(tp);
            if (records != null && !records.isEmpty()) {
                ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
                offsets.put(tp, new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(), ""));
            }
        }
        return offsets;
    }

    void drop(Collection<TopicPartition> partitions) {
        partitions.forEach(byPartition::remove);
    }

    @Override
    public String toString() {
        return size() + " records from " + byPartition.keySet();
    }
}

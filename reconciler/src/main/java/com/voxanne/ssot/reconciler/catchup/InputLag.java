package com.voxanne.ssot.reconciler.catchup;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the Streams application's consumer group is behind on its input topics: for every input
 * partition, the last stable offset (read_committed end) minus the group's committed offset (or the log
 * start when the group has none). Measured with the Admin client, so it is the same answer on every
 * instance of the group, and it covers restores and rebalances (nothing is committed until a task runs).
 */
public final class InputLag implements CatchUpMonitor.LagProbe {
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);

    private final Admin admin;
    private final String groupId;
    private final List<String> topics;
    private final Duration timeout;
    private List<TopicPartition> partitions = List.of();
    private long partitionsReadAt;

    public InputLag(Admin admin, String groupId, Collection<String> topics, Duration timeout) {
        this.admin = admin;
        this.groupId = groupId;
        this.topics = List.copyOf(topics);
        this.timeout = timeout;
    }

    /** The total lag in records over all input partitions. */
    @Override
    public long measure() throws InterruptedException, ExecutionException, TimeoutException {
        List<TopicPartition> tps = partitions();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> end = offsets(tps, OffsetSpec.latest());
        Map<TopicPartition, Long> committedOffsets = new HashMap<>();
        committed.forEach((tp, om) -> {
            if (om != null) {
                committedOffsets.put(tp, om.offset());
            }
        });
        List<TopicPartition> uncommitted = tps.stream().filter(tp -> !committedOffsets.containsKey(tp)).toList();
        Map<TopicPartition, Long> start = uncommitted.isEmpty() ? Map.of() : offsets(uncommitted, OffsetSpec.earliest());
        return total(tps, end, committedOffsets, start);
    }

    /** Sum over partitions of end - (committed, else log start, else 0), never negative per partition. */
    static long total(Collection<TopicPartition> partitions, Map<TopicPartition, Long> end,
                      Map<TopicPartition, Long> committed, Map<TopicPartition, Long> start) {
        long lag = 0;
        for (TopicPartition tp : partitions) {
            long endOffset = end.getOrDefault(tp, 0L);
            long from = committed.containsKey(tp) ? committed.get(tp) : start.getOrDefault(tp, 0L);
            lag += Math.max(0, endOffset - from);
        }
        return lag;
    }

    private List<TopicPartition> partitions() throws InterruptedException, ExecutionException, TimeoutException {
        long now = System.nanoTime();
        if (partitions.isEmpty() || now - partitionsReadAt > PARTITION_REFRESH.toNanos()) {
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            partitions = described.values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .toList();
            partitionsReadAt = now;
        }
        return partitions;
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> tps, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        tps.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result = admin
                .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        result.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}

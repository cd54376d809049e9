package com.voxanne.ssot.pipeline.status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Records behind per service consumer group, from the broker's view (committed offsets against the log end), so it
 * counts every instance of a group, in this process or not. Each call is bounded by {@code timeout} per request.
 */
public final class ConsumerLag {
    private final Admin admin;
    private final List<String> groups;
    private final Duration timeout;

    public ConsumerLag(Admin admin, List<String> groups, Duration timeout) {
        this.admin = admin;
        this.groups = List.copyOf(groups);
        this.timeout = timeout;
    }

    /** group -> records behind (0 for a group that has committed nothing yet), in the order of the groups given. */
    public Map<String, Long> now() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Long> lag = new LinkedHashMap<>();
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (committed.isEmpty()) {
                lag.put(group, 0L);
                continue;
            }
            Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long total = 0;
            for (var e : committed.entrySet()) {
                if (e.getValue() != null && ends.containsKey(e.getKey())) {
                    total += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
                }
            }
            lag.put(group, total);
        }
        return lag;
    }
}

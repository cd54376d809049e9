package com.voxanne.ssot.reconciler.query;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsNotStartedException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * {@link ReconcilerInstances} from a running {@link KafkaStreams} client: the group's members through the metadata
 * each one advertises ({@code application.server}), this instance's partitions from its active tasks (the topology
 * has one sub-topology, so a task's partition is the partition of every store in it).
 */
public final class StreamsInstances implements ReconcilerInstances {
    private final KafkaStreams streams;
    private final Optional<HostInfo> self;
    private final int partitions;

    /**
     * @param applicationServer this instance's {@code host:port} as advertised, empty when it advertises none (then it
     *                          cannot be asked by others, and answers only when it holds every partition itself)
     * @param partitions        the partitions of the input topics (co-partitioned), hence of every store
     */
    public StreamsInstances(KafkaStreams streams, Optional<String> applicationServer, int partitions) {
        this.streams = streams;
        this.self = applicationServer.map(HostInfo::buildFromEndpoint);
        this.partitions = partitions;
    }

    @Override
    public String self() {
        return self.map(StreamsInstances::name).orElse("local");
    }

    @Override
    public List<String> peers() {
        try {
            return streams.metadataForAllStreamsClients().stream()
                    .map(StreamsMetadata::hostInfo)
                    .filter(host -> self.map(own -> !own.equals(host)).orElse(true))
                    .filter(host -> host.port() > 0) // a member that advertises no endpoint cannot be asked
                    .map(StreamsInstances::name)
                    .sorted()
                    .toList();
        } catch (StreamsNotStartedException e) {
            throw new InvalidStateStoreException("the reconciler's Streams client has not started", e);
        }
    }

    @Override
    public Set<Integer> localPartitions() {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw new InvalidStateStoreException("the reconciler's Streams client is " + state + ", not RUNNING");
        }
        Set<Integer> held = new TreeSet<>();
        streams.metadataForLocalThreads().forEach(thread ->
                thread.activeTasks().forEach(task -> held.add(task.taskId().partition())));
        return held;
    }

    @Override
    public int partitions() {
        return partitions;
    }

    private static String name(HostInfo host) {
        return host.host() + ":" + host.port();
    }
}

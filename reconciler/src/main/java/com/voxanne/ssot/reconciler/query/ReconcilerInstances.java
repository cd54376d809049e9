package com.voxanne.ssot.reconciler.query;

import java.util.List;
import java.util.Set;

/**
 * The reconciler instances of one Streams application as the queries see them: which partitions this instance holds
 * now, and where the others are. With several instances each holds only its partitions of the stores, so a complete
 * answer gathers every instance's part ({@link ClusterQueries}).
 */
public interface ReconcilerInstances {
    /** This instance's name in answers: its advertised {@code host:port}, or {@code local} when it advertises none. */
    String self();

    /**
     * The advertised {@code host:port} of every other instance in the group now.
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException while that is not known (not started)
     */
    List<String> peers();

    /**
     * The partitions whose stores this instance holds as active tasks now.
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException unless the Streams client is RUNNING (while it
     *         rebalances its stores may be about to move, so nothing it holds counts as an answer)
     */
    Set<Integer> localPartitions();

    /** How many partitions the stores have in all: an answer is complete only when its parts cover each of them. */
    int partitions();

    /** One instance holding everything (a topology test driver): no peers, one partition, always held. */
    static ReconcilerInstances alone() {
        return new ReconcilerInstances() {
            @Override
            public String self() {
                return "local";
            }

            @Override
            public List<String> peers() {
                return List.of();
            }

            @Override
            public Set<Integer> localPartitions() {
                return Set.of(0);
            }

            @Override
            public int partitions() {
                return 1;
            }
        };
    }
}

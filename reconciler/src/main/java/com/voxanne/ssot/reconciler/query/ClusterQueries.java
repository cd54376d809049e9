package com.voxanne.ssot.reconciler.query;

import com.fasterxml.jackson.databind.JavaType;
import com.voxanne.ssot.platform.http.StatusServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * Cluster-wide answers over several reconciler instances. The stores are partitioned by the key {@code orgId|E.164},
 * so even one organisation's numbers are spread over every instance: each query gathers this instance's part and
 * every other instance's ({@code ?scope=local}, in parallel, bounded by a short timeout) and merges them, and answers
 * only when every instance answered (this one RUNNING) and the parts together cover every partition, each exactly
 * once. Otherwise it throws
 * {@link PartialAnswerException} naming what is missing: a partial answer is never given, since it could call an
 * organisation compliant for numbers nobody looked at.
 */
public final class ClusterQueries {
    /** How long a peer may take to answer its part (the caller waits at most about this long). */
    public static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);

    private final ReconcilerInstances instances;
    private final PeerClient peers;

    public ClusterQueries(ReconcilerInstances instances) {
        this(instances, PEER_TIMEOUT);
    }

    ClusterQueries(ReconcilerInstances instances, Duration peerTimeout) {
        this.instances = instances;
        this.peers = new PeerClient(peerTimeout);
    }

    /**
     * This instance's part: what {@code read} finds in its stores, with the partitions it held for the whole read.
     *
     * @throws InvalidStateStoreException when the Streams client is not RUNNING, or its partitions moved during the read
     */
    public <T> LocalPart<T> local(Supplier<List<T>> read) {
        Set<Integer> before = instances.localPartitions();
        List<T> items = read.get();
        Set<Integer> after = instances.localPartitions();
        if (!before.equals(after)) {
            throw new InvalidStateStoreException("this instance's partitions moved during the read (" + before + " -> "
                    + after + "): the group is rebalancing");
        }
        return new LocalPart<>(instances.self(), before, items);
    }

    /**
     * Every instance's part of one query, checked to cover each partition exactly once.
     *
     * @param path          the route the peers serve their parts on
     * @param query         the caller's raw query string (the same question goes to every peer)
     * @param authorization the caller's Authorization header, forwarded to the peers
     * @param itemType      the items' type, to read the peers' parts
     * @param read          this instance's part
     */
    public <T> Gathered<T> gather(String path, String query, String authorization, Class<T> itemType, Supplier<List<T>> read)
            throws PartialAnswerException {
        Map<String, String> unavailable = new LinkedHashMap<>();
        List<String> others;
        try {
            others = instances.peers();
        } catch (InvalidStateStoreException e) {
            throw new PartialAnswerException(allPartitions(), Map.of(instances.self(), e.getMessage()));
        }
        JavaType partType = StatusServer.JSON.getTypeFactory().constructParametricType(LocalPart.class, itemType);
        Map<String, CompletableFuture<LocalPart<T>>> asked = new LinkedHashMap<>();
        others.forEach(peer -> asked.put(peer, peers.localPart(peer, path, query, authorization, partType)));

        List<LocalPart<T>> parts = new ArrayList<>();
        try {
            parts.add(local(read));
        } catch (InvalidStateStoreException e) {
            unavailable.put(instances.self(), e.getMessage());
        }
        asked.forEach((peer, future) -> {
            try {
                parts.add(future.join());
            } catch (CompletionException e) {
                unavailable.put(peer, e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            }
        });
        Set<Integer> missing = allPartitions();
        Set<Integer> twice = new TreeSet<>();
        parts.forEach(part -> part.partitions().forEach(p -> {
            if (!missing.remove(p)) {
                twice.add(p);
            }
        }));
        if (!twice.isEmpty()) { // two instances both claimed a partition: one of them is about to lose it
            missing.addAll(twice);
        }
        // an instance that did not answer may still hold a partition the others only think they have (this one while
        // it rebalances, a peer whose assignment the metadata has not caught up with): no answer then either
        if (!missing.isEmpty() || !unavailable.isEmpty()) {
            throw new PartialAnswerException(missing, unavailable);
        }
        List<T> items = new ArrayList<>();
        List<Source> sources = new ArrayList<>();
        parts.forEach(part -> {
            items.addAll(part.items());
            sources.add(new Source(part.instance(), new TreeSet<>(part.partitions())));
        });
        return new Gathered<>(items, sources);
    }

    private Set<Integer> allPartitions() {
        Set<Integer> all = new TreeSet<>();
        for (int p = 0; p < instances.partitions(); p++) {
            all.add(p);
        }
        return all;
    }

    /** The merged items of a complete answer, and which instance contributed which partitions. */
    public record Gathered<T>(List<T> items, List<Source> sources) {
    }

    /** One instance that contributed to an answer, and the partitions it answered for. */
    public record Source(String instance, Set<Integer> partitions) {
    }
}

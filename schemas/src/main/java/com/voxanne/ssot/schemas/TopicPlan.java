package com.voxanne.ssot.schemas;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.config.TopicConfig;

/**
 * Every topic the pipeline needs, as the contract says (SPEC "Contract"): its name (from the registry), partitions,
 * replication factor and configs. The one place these are decided; every creator and checker reads it:
 * the event log is kept forever (backfill replays it), violations and the CDC streams are compacted (latest state per
 * key), requests and results are kept four weeks, dead letters forever (nothing parked may be lost) on one partition.
 * The two CDC topics are co-partitioned: the reconciler joins them without a repartition, so they must have the same
 * partition count (and the relay keys both {@code orgId|E.164}).
 *
 * @param topics        what to create, in creation order
 * @param coPartitioned names that must have the same partition count
 */
public record TopicPlan(List<Planned> topics, Set<String> coPartitioned) {

    /** Partitions of the pipeline's topics when SSOT_TOPIC_PARTITIONS is not set. */
    public static final int DEFAULT_PARTITIONS = 6;
    /** Replication factor when SSOT_TOPIC_REPLICATION_FACTOR is not set (one broker). */
    public static final int DEFAULT_REPLICATION_FACTOR = 1;

    private static final Map<String, String> FOREVER = Map.of(
            TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1");
    private static final Map<String, String> COMPACTED = Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
    private static final Map<String, String> FOUR_WEEKS = Map.of(
            TopicConfig.RETENTION_MS_CONFIG, Long.toString(28L * 24 * 3600 * 1000));
    private static final Map<String, String> DEAD_LETTERS = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");

    /** One topic of the plan. */
    public record Planned(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        public Planned {
            Topic.requireLegalName(name);
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions of " + name + " must be >= 1, was " + partitions);
            }
            if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
                throw new IllegalArgumentException("replication factor of " + name + " must be 1..32767, was " + replicationFactor);
            }
            configs = Map.copyOf(configs);
        }

        /** The same topic with {@code count} partitions (to match topics it is co-partitioned with). */
        public Planned withPartitions(int count) {
            return new Planned(name, count, replicationFactor, configs);
        }
    }

    public TopicPlan {
        topics = List.copyOf(topics);
        coPartitioned = Set.copyOf(coPartitioned);
    }

    /**
     * The pipeline's topics under the registry's names, with {@code partitions} and {@code replicationFactor}; with three
     * replicas or more each topic also gets {@code min.insync.replicas=2}, so a write the pipeline counts as durable
     * ({@code acks=all}) is on two brokers at least, and one broker may be down while writes go on.
     */
    public static TopicPlan of(Topics registry, int partitions, int replicationFactor) {
        Objects.requireNonNull(registry, "registry");
        List<Planned> plan = new ArrayList<>();
        if (replicationFactor >= 3) {
            return withMinInsyncReplicas(of(registry, partitions, replicationFactor, plan), 2);
        }
        return of(registry, partitions, replicationFactor, plan);
    }

    private static TopicPlan withMinInsyncReplicas(TopicPlan plan, int minIsr) {
        List<Planned> topics = plan.topics().stream().map(t -> {
            Map<String, String> configs = new LinkedHashMap<>(t.configs());
            configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minIsr));
            return new Planned(t.name(), t.partitions(), t.replicationFactor(), configs);
        }).toList();
        return new TopicPlan(topics, plan.coPartitioned());
    }

    private static TopicPlan of(Topics registry, int partitions, int replicationFactor, List<Planned> plan) {
        plan.add(new Planned(registry.provisioningRequests().name(), partitions, replicationFactor, FOUR_WEEKS));
        plan.add(new Planned(registry.provisioningResults().name(), partitions, replicationFactor, FOUR_WEEKS));
        plan.add(new Planned(registry.numbersProvisioned().name(), partitions, replicationFactor, FOREVER));
        plan.add(new Planned(registry.violations().name(), partitions, replicationFactor, COMPACTED));
        plan.add(new Planned(registry.cdcManagedNumbers().name(), partitions, replicationFactor, COMPACTED));
        plan.add(new Planned(registry.cdcOrgCredentials().name(), partitions, replicationFactor, COMPACTED));
        // the topics whose consumers park what they cannot process
        for (Topic<?, ?> source : List.of(registry.provisioningRequests(), registry.numbersProvisioned(),
                registry.cdcManagedNumbers(), registry.cdcOrgCredentials())) {
            plan.add(new Planned(source.dlq(), 1, replicationFactor, DEAD_LETTERS));
        }
        return new TopicPlan(plan, Set.of(registry.cdcManagedNumbers().name(), registry.cdcOrgCredentials().name()));
    }

    /** The part of the plan one service needs (e.g. the topics the reconciler reads and writes), in plan order. */
    public TopicPlan only(Collection<String> names) {
        Set<String> wanted = Set.copyOf(names);
        Map<String, Planned> byName = new LinkedHashMap<>();
        topics.forEach(t -> byName.put(t.name(), t));
        List<String> unknown = wanted.stream().filter(n -> !byName.containsKey(n)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("not in the topic plan: " + unknown);
        }
        return new TopicPlan(topics.stream().filter(t -> wanted.contains(t.name())).toList(),
                coPartitioned.stream().filter(wanted::contains).collect(java.util.stream.Collectors.toSet()));
    }

    public Optional<Planned> topic(String name) {
        return topics.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public List<String> names() {
        return topics.stream().map(Planned::name).toList();
    }
}

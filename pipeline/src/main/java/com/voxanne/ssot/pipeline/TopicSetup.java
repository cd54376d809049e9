package com.voxanne.ssot.pipeline;

import com.voxanne.ssot.schemas.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the pipeline's topics with the partitions, cleanup policy and retention the contract says
 * (SPEC "Contract"): the event log is kept forever (backfill replays it), violations and the CDC
 * streams are compacted, dead letters are kept long. Existing topics are left as they are.
 */
public final class TopicSetup {
    private TopicSetup() {
    }

    public static List<NewTopic> plan(Topics topics, int partitions, short replication) {
        Map<String, String> forever = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1");
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        Map<String, String> weeks = Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(28L * 24 * 3600 * 1000));
        Map<String, String> deadLetters = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");

        List<NewTopic> plan = new ArrayList<>();
        plan.add(topic(topics.provisioningRequests().name(), partitions, replication, weeks));
        plan.add(topic(topics.provisioningResults().name(), partitions, replication, weeks));
        plan.add(topic(topics.numbersProvisioned().name(), partitions, replication, forever));
        plan.add(topic(topics.violations().name(), partitions, replication, compacted));
        plan.add(topic(topics.cdcManagedNumbers().name(), partitions, replication, compacted));
        plan.add(topic(topics.cdcOrgCredentials().name(), partitions, replication, compacted));
        for (String source : List.of(topics.provisioningRequests().name(), topics.numbersProvisioned().name(),
                topics.cdcManagedNumbers().name(), topics.cdcOrgCredentials().name())) {
            plan.add(topic(source + ".dlq", 1, replication, deadLetters));
        }
        return plan;
    }

    /** Creates what is missing; returns the names created now. */
    public static Set<String> ensure(Admin admin, List<NewTopic> plan) throws InterruptedException {
        Set<String> existing;
        try {
            existing = admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list Kafka topics: " + e.getCause().getMessage(), e.getCause());
        }
        List<NewTopic> missing = plan.stream().filter(t -> !existing.contains(t.name())).toList();
        if (missing.isEmpty()) {
            return Set.of();
        }
        try {
            admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create Kafka topics: " + e.getCause().getMessage(), e.getCause());
            }
        }
        return Set.copyOf(missing.stream().map(NewTopic::name).toList());
    }

    private static NewTopic topic(String name, int partitions, short replication, Map<String, String> configs) {
        return new NewTopic(name, Optional.of(partitions), Optional.of(replication)).configs(new HashMap<>(configs));
    }
}

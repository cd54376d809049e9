package com.voxanne.ssot.reconciler;

import com.voxanne.ssot.platform.kafka.DeadLetters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the topics the reconciler reads and writes exist before Kafka Streams starts (a missing
 * source topic stops a Streams client), and checks the one property the join relies on: both CDC
 * topics have the same number of partitions (co-partitioning; the relay keys both the same way).
 *
 * <p>Missing topics are created: the CDC topics and the violations topic compacted (latest state per
 * key), with as many partitions as an existing CDC topic (else the configured default); the dead-letter
 * topics with unlimited retention (nothing parked may be lost).
 */
final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    static void ensure(Admin admin, ReconcilerSettings settings, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        String managed = settings.topics().cdcManagedNumbers().name();
        String credentials = settings.topics().cdcOrgCredentials().name();
        String violations = settings.topics().violations().name();
        Map<String, Optional<Integer>> existing = describe(admin,
                List.of(managed, credentials, violations, DeadLetters.topicFor(managed), DeadLetters.topicFor(credentials)),
                timeout);
        Optional<Integer> managedPartitions = existing.get(managed);
        Optional<Integer> credentialsPartitions = existing.get(credentials);
        if (managedPartitions.isPresent() && credentialsPartitions.isPresent()
                && !managedPartitions.get().equals(credentialsPartitions.get())) {
            throw new ReconcilerStartException("topics " + managed + " (" + managedPartitions.get() + " partitions) and "
                    + credentials + " (" + credentialsPartitions.get() + " partitions) are not co-partitioned: the"
                    + " reconciler's join needs the same partition count on both (and the same key, orgId|E.164)");
        }
        int partitions = managedPartitions.or(() -> credentialsPartitions).orElse(settings.topicPartitions());
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        Map<String, String> keepForever = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
        Map<String, Map<String, String>> wanted = new LinkedHashMap<>();
        wanted.put(managed, compacted);
        wanted.put(credentials, compacted);
        wanted.put(violations, compacted);
        wanted.put(DeadLetters.topicFor(managed), keepForever);
        wanted.put(DeadLetters.topicFor(credentials), keepForever);
        List<NewTopic> missing = new ArrayList<>();
        wanted.forEach((name, configs) -> {
            if (existing.get(name).isEmpty()) {
                missing.add(new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs));
            }
        });
        if (missing.isEmpty()) {
            return;
        }
        Map<String, KafkaFuture<Void>> created = admin.createTopics(missing).values();
        for (Map.Entry<String, KafkaFuture<Void>> e : created.entrySet()) {
            try {
                e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                log.info("Created topic {} ({} partitions, {})", e.getKey(), partitions, wanted.get(e.getKey()));
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw ex;
                }
            }
        }
    }

    /** Partition count by topic, empty for a topic that does not exist. */
    private static Map<String, Optional<Integer>> describe(Admin admin, List<String> names, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(names).topicNameValues();
        Map<String, Optional<Integer>> out = new HashMap<>();
        for (String name : names) {
            try {
                out.put(name, Optional.of(futures.get(name).get(timeout.toMillis(), TimeUnit.MILLISECONDS).partitions().size()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                out.put(name, Optional.empty());
            }
        }
        return out;
    }
}

package com.voxanne.ssot.platform.kafka;

import com.voxanne.ssot.schemas.TopicPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link TopicPlan}: the one creator and checker of the pipeline's topics ({@code ./ssot setup}/{@code up} with
 * the whole plan, the reconciler with the part it reads and writes). Existing topics are left as they are, except that
 * co-partitioned topics must agree on their partition count (checked, never changed); a missing one is created with
 * the count of those that exist, so a join never needs a repartition.
 */
public final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);
    private static final long AWAIT_POLL_MILLIS = 50;

    private TopicSetup() {
    }

    /** Kafka failed or did not answer in time: worth retrying. */
    public static final class TopicSetupException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TopicSetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Co-partitioned topics exist with different partition counts: a deployment error that no retry fixes. */
    public static final class NotCoPartitionedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NotCoPartitionedException(String message) {
            super(message);
        }
    }

    /** Topics of the plan do not exist: {@code ./ssot setup} has not run against this Kafka (or with these names). */
    public static final class MissingTopicsException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final Set<String> missing;

        MissingTopicsException(Set<String> missing) {
            super("Kafka topics missing: " + String.join(", ", missing) + ". Run `./ssot setup` with the same topic"
                    + " settings first: only setup creates topics");
            this.missing = Set.copyOf(missing);
        }

        public Set<String> missing() {
            return missing;
        }
    }

    /**
     * Checks, creating nothing, that every topic of the plan exists and the co-partitioned ones agree.
     *
     * @throws MissingTopicsException naming every missing topic
     * @throws NotCoPartitionedException naming the topics and counts when co-partitioned topics disagree
     * @throws TopicSetupException when Kafka fails or does not answer in time
     */
    public static void check(Admin admin, TopicPlan plan, Duration timeout) throws InterruptedException {
        Map<String, Optional<Integer>> existing = partitionCounts(admin, plan.names(), timeout);
        coPartitionCount(plan, existing);
        Set<String> missing = new LinkedHashSet<>();
        plan.names().forEach(name -> {
            if (existing.get(name).isEmpty()) {
                missing.add(name);
            }
        });
        if (!missing.isEmpty()) {
            throw new MissingTopicsException(missing);
        }
    }

    /**
     * Creates what is missing and returns once every topic it created is served (each partition has a leader), so
     * the caller's clients find them. Each Kafka call, and the wait for leaders, takes at most {@code timeout}.
     *
     * @return the names created now
     * @throws NotCoPartitionedException naming the topics and counts when co-partitioned topics disagree
     * @throws TopicSetupException when Kafka fails or does not answer in time
     */
    public static Set<String> ensure(Admin admin, TopicPlan plan, Duration timeout) throws InterruptedException {
        Map<String, Optional<Integer>> existing = partitionCounts(admin, plan.names(), timeout);
        Optional<Integer> coPartitions = coPartitionCount(plan, existing);
        List<NewTopic> missing = new ArrayList<>();
        for (TopicPlan.Planned topic : plan.topics()) {
            if (existing.get(topic.name()).isPresent()) {
                continue;
            }
            TopicPlan.Planned wanted = plan.coPartitioned().contains(topic.name())
                    ? coPartitions.map(topic::withPartitions).orElse(topic) : topic;
            missing.add(new NewTopic(wanted.name(), Optional.of(wanted.partitions()),
                    Optional.of((short) wanted.replicationFactor())).configs(new HashMap<>(wanted.configs())));
        }
        Set<String> created = new LinkedHashSet<>();
        if (missing.isEmpty()) {
            return created;
        }
        Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
        for (NewTopic topic : missing) {
            try {
                results.get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                created.add(topic.name());
                log.info("Created topic {} ({} partitions, replication {}, {})", topic.name(), topic.numPartitions(),
                        topic.replicationFactor(), topic.configs());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) { // another instance created it meanwhile: fine
                    throw new TopicSetupException("cannot create Kafka topic " + topic.name() + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
            } catch (TimeoutException e) {
                throw new TopicSetupException("Kafka did not create topic " + topic.name() + " within " + timeout.toSeconds()
                        + " s", e);
            }
        }
        awaitLed(admin, missing.stream().map(NewTopic::name).toList(), timeout);
        // a co-partitioned topic created by someone else just before (not yet known when counted) may disagree
        coPartitionCount(plan, partitionCounts(admin, List.copyOf(plan.coPartitioned()), timeout));
        return created;
    }

    /**
     * Waits until every topic in {@code names} is described with a leader for each partition. Kafka answers a create
     * once the controller has the topic; until the brokers have applied it, a describe, a producer or a consumer may
     * still not know it.
     */
    private static void awaitLed(Admin admin, List<String> names, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<String> pending = new TreeSet<>();
            var futures = admin.describeTopics(names).topicNameValues();
            for (String name : names) {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    TopicDescription d = futures.get(name).get(left, TimeUnit.MILLISECONDS);
                    if (d.partitions().stream().anyMatch(p -> p.leader() == null || p.leader().isEmpty())) {
                        pending.add(name);
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw new TopicSetupException("cannot describe Kafka topic " + name + ": " + e.getCause().getMessage(),
                                e.getCause());
                    }
                    pending.add(name);
                } catch (TimeoutException e) {
                    pending.add(name);
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TopicSetupException("Kafka created topic(s) " + String.join(", ", pending) + " but no broker serves"
                        + " every partition of them within " + timeout.toSeconds() + " s", null);
            }
            TimeUnit.MILLISECONDS.sleep(AWAIT_POLL_MILLIS);
        }
    }

    /** The count every co-partitioned topic must have: that of the existing ones, which must agree. */
    private static Optional<Integer> coPartitionCount(TopicPlan plan, Map<String, Optional<Integer>> existing) {
        Map<String, Integer> present = new TreeMap<>();
        plan.coPartitioned().forEach(name -> existing.get(name).ifPresent(count -> present.put(name, count)));
        if (present.values().stream().distinct().count() > 1) {
            StringBuilder counts = new StringBuilder();
            present.forEach((name, count) -> counts.append(counts.length() == 0 ? "" : " and ").append(name)
                    .append(" (").append(count).append(" partitions)"));
            throw new NotCoPartitionedException("topics " + counts + " are not co-partitioned: the reconciler's join needs"
                    + " the same partition count on both (and the same key, orgId|E.164)");
        }
        return present.values().stream().findFirst();
    }

    /** Partition count by topic, empty for a topic that does not exist. */
    private static Map<String, Optional<Integer>> partitionCounts(Admin admin, List<String> names, Duration timeout)
            throws InterruptedException {
        Map<String, Optional<Integer>> out = new HashMap<>();
        var futures = admin.describeTopics(names).topicNameValues();
        for (String name : names) {
            try {
                out.put(name, Optional.of(futures.get(name).get(timeout.toMillis(), TimeUnit.MILLISECONDS).partitions().size()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new TopicSetupException("cannot describe Kafka topic " + name + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
                out.put(name, Optional.empty());
            } catch (TimeoutException e) {
                throw new TopicSetupException("Kafka did not describe topic " + name + " within " + timeout.toSeconds() + " s", e);
            }
        }
        return out;
    }
}

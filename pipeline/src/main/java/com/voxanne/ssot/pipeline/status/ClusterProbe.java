package com.voxanne.ssot.pipeline.status;

import com.voxanne.ssot.platform.http.ComponentHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;

/**
 * Asks the cluster what {@link ClusterView} shows, at most once per {@code maxAge}: the page polls every second and
 * several browsers may have it open, but the brokers are asked a handful of Admin calls every few seconds, each bounded by
 * {@code timeout}. While one refresh runs, other requests get the previous answer rather than waiting behind it.
 *
 * <p>Nothing here throws: a broker that does not answer makes the section {@code {"error": ...}}, a group that cannot be
 * described is shown with its error, and the page says "unknown".
 *
 * <p>The services' groups are all classic consumer groups: the provisioner's and the projector's consumers, and the
 * reconciler's Kafka Streams application, which runs the default (classic) {@code group.protocol}, so
 * {@code describeConsumerGroups} describes all three.
 */
public final class ClusterProbe {
    /** Without a known broker list, a broker seen this recently and missing now is shown DOWN (then forgotten). */
    static final Duration REMEMBERED = Duration.ofMinutes(5);

    /**
     * A service whose instances are the members of its group.
     *
     * @param healthComponent its name in this process's health registry (where its local instance reports)
     */
    public record Service(String name, String groupId, String healthComponent) {
    }

    /**
     * What to ask and how to recognise this process.
     *
     * @param expected  the brokers that should be up (the embedded cluster's list); empty: those seen lately
     * @param topics    which topics count for the partition figures (the pipeline's own and the internal ones)
     * @param localIds  client ids of this process's Kafka clients (a member with one is this process's)
     * @param health    this process's components' health, by name
     */
    public record Sources(Admin admin, List<Service> services, Optional<Supplier<List<ClusterView.ExpectedBroker>>> expected,
                          Predicate<String> topics, Supplier<Set<String>> localIds,
                          Supplier<Map<String, ComponentHealth>> health) {
        public Sources {
            services = List.copyOf(services);
        }
    }

    private final Sources sources;
    private final Duration timeout;
    private final Duration maxAge;
    private final Clock clock;
    private final ReentrantLock refreshing = new ReentrantLock();
    private final Map<Integer, Seen> seen = new HashMap<>();
    private volatile Map<String, Object> last;
    private volatile Instant lastAt = Instant.MIN;

    private record Seen(String address, Instant at) {
    }

    public ClusterProbe(Sources sources, Duration timeout, Duration maxAge, Clock clock) {
        this.sources = sources;
        this.timeout = timeout;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** The cluster section as of at most {@code maxAge} ago (or older, while a refresh is under way). */
    public Map<String, Object> now() {
        Map<String, Object> cached = last;
        if (cached != null && clock.instant().isBefore(lastAt.plus(maxAge))) {
            return cached;
        }
        if (cached != null && !refreshing.tryLock()) {
            return cached;
        }
        if (cached == null) {
            refreshing.lock();
        }
        try {
            if (last != null && clock.instant().isBefore(lastAt.plus(maxAge))) {
                return last; // another request refreshed it while this one waited
            }
            Map<String, Object> fresh;
            try {
                fresh = ask();
            } catch (RuntimeException e) {
                fresh = Map.of("error", describe(e)); // cached like any answer: a failing Admin is not asked per request
            }
            last = fresh;
            lastAt = clock.instant();
            return fresh;
        } finally {
            refreshing.unlock();
        }
    }

    private Map<String, Object> ask() {
        int ms = (int) timeout.toMillis();
        Collection<Node> nodes;
        Optional<Integer> controller;
        try {
            DescribeClusterResult cluster = sources.admin().describeCluster(new DescribeClusterOptions().timeoutMs(ms));
            nodes = get(cluster.nodes());
            Node c = get(cluster.controller());
            controller = c == null || c.isEmpty() ? Optional.empty() : Optional.of(c.id());
        } catch (Exception e) {
            return Map.of("error", describe(e));
        }
        List<ClusterView.ExpectedBroker> expected = expected(nodes);

        List<TopicDescription> topics = List.of();
        String topicsError = null;
        try {
            List<String> names = get(sources.admin().listTopics(new ListTopicsOptions().listInternal(true).timeoutMs(ms)).names())
                    .stream().filter(sources.topics()).sorted().toList();
            topics = names.isEmpty() ? List.of()
                    : new ArrayList<>(get(sources.admin().describeTopics(names, new DescribeTopicsOptions().timeoutMs(ms))
                            .allTopicNames()).values());
        } catch (Exception e) {
            topicsError = describe(e);
        }

        Map<String, ComponentHealth> health = safeHealth();
        Set<String> localIds = safeLocalIds();
        List<ClusterView.Group> groups = new ArrayList<>();
        Map<String, KafkaFuture<ConsumerGroupDescription>> described = sources.services().isEmpty() ? Map.of()
                : sources.admin().describeConsumerGroups(sources.services().stream().map(Service::groupId).distinct().toList(),
                        new DescribeConsumerGroupsOptions().timeoutMs(ms)).describedGroups();
        for (Service s : sources.services()) {
            ComponentHealth local = health.get(s.healthComponent());
            String localStatus = local == null ? null : local.status().name();
            try {
                ConsumerGroupDescription group = get(described.get(s.groupId()));
                List<ClusterView.Member> members = group.members().stream().map(m -> new ClusterView.Member(m.clientId(), m.host(),
                        m.assignment() == null ? 0 : m.assignment().topicPartitions().size())).toList();
                groups.add(new ClusterView.Group(s.name(), s.groupId(), members, localStatus, localIds, null));
            } catch (Exception e) {
                groups.add(new ClusterView.Group(s.name(), s.groupId(), List.of(), localStatus, localIds, describe(e)));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>(ClusterView.build(nodes, controller, expected, topics, groups));
        out.put("expectedFrom", sources.expected().isPresent() ? "the embedded cluster's broker list"
                : "brokers seen in the last " + REMEMBERED.toMinutes() + " minutes");
        if (topicsError != null) {
            out.put("partitionsError", topicsError);
        }
        out.put("askedAt", clock.instant().toString());
        return out;
    }

    /** The known broker list, or (without one) every broker seen within {@link #REMEMBERED}, live ones refreshed. */
    private List<ClusterView.ExpectedBroker> expected(Collection<Node> live) {
        if (sources.expected().isPresent()) {
            try {
                return sources.expected().get().get();
            } catch (RuntimeException e) {
                return List.of(); // the list is not readable now (the stack closing): the live brokers are still shown
            }
        }
        Instant now = clock.instant();
        live.forEach(n -> seen.put(n.id(), new Seen(n.host() + ":" + n.port(), now)));
        seen.values().removeIf(s -> s.at().isBefore(now.minus(REMEMBERED)));
        return seen.entrySet().stream().map(e -> new ClusterView.ExpectedBroker(e.getKey(), e.getValue().address())).toList();
    }

    private Map<String, ComponentHealth> safeHealth() {
        try {
            return sources.health().get();
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private Set<String> safeLocalIds() {
        try {
            return sources.localIds().get();
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    private <T> T get(KafkaFuture<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        // the options' timeoutMs bounds the broker side; this bounds the wait here in any case
        return future.get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
    }

    private static String describe(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return "unknown: " + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
    }
}

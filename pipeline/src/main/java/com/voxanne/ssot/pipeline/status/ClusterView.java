package com.voxanne.ssot.pipeline.status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The status page's {@code cluster} section, built from what the Admin client answered (no I/O here, so every case, a
 * broker down, partitions under-replicated or offline, a group of several members, is a plain unit test).
 *
 * <p>A broker that should be there but is not among the live nodes is listed DOWN rather than left out: an operator
 * looking for "three brokers" must see the third one missing, not a cluster of two.
 */
public final class ClusterView {
    /** How many under-replicated or offline partitions are named one by one; the counts are always whole. */
    static final int PARTITIONS_NAMED = 20;

    private ClusterView() {
    }

    /** A broker the cluster should have (the embedded cluster's list, or one seen lately), by node id. */
    public record ExpectedBroker(int id, String address) {
    }

    /**
     * One consumer of a service's group as the group coordinator reports it.
     *
     * @param partitions partitions assigned to it now
     */
    public record Member(String clientId, String host, int partitions) {
    }

    /**
     * A service's group: its members, or why they are unknown.
     *
     * @param health     the local instance's health (from this process's registry), null when the service does not run
     *                   here
     * @param localIds   client ids of this process's own Kafka clients: a member with one of them is this process's
     * @param error      set when the group could not be described (then members is empty and shown as unknown)
     */
    public record Group(String service, String groupId, List<Member> members, String health, Collection<String> localIds,
                        String error) {
        public Group {
            members = List.copyOf(members);
            localIds = List.copyOf(localIds);
        }
    }

    /**
     * @param live       the nodes describeCluster returned
     * @param controller the active controller's id, if known
     * @param expected   the brokers that should be up (may be empty: then only the live ones are shown)
     * @param topics     the described topics
     */
    public static Map<String, Object> build(Collection<Node> live, Optional<Integer> controller, Collection<ExpectedBroker> expected,
                                            Collection<TopicDescription> topics, List<Group> groups) {
        Map<Integer, Node> liveById = new TreeMap<>();
        live.forEach(n -> liveById.put(n.id(), n));
        Map<Integer, int[]> counts = new TreeMap<>(); // id -> {led, replicas}
        List<Map<String, Object>> underReplicated = new ArrayList<>();
        List<Map<String, Object>> offline = new ArrayList<>();
        int urpCount = 0;
        int offlineCount = 0;
        int partitionCount = 0;
        Map<Integer, Integer> urpByBroker = new TreeMap<>();
        for (TopicDescription topic : sorted(topics)) {
            for (TopicPartitionInfo p : topic.partitions()) {
                partitionCount++;
                Node leader = p.leader();
                boolean hasLeader = leader != null && !leader.isEmpty() && leader.id() >= 0;
                if (hasLeader) {
                    counts.computeIfAbsent(leader.id(), id -> new int[2])[0]++;
                }
                p.replicas().forEach(r -> counts.computeIfAbsent(r.id(), id -> new int[2])[1]++);
                if (!hasLeader) {
                    offlineCount++;
                    if (offline.size() < PARTITIONS_NAMED) {
                        offline.add(partition(topic, p));
                    }
                }
                if (p.isr().size() < p.replicas().size()) {
                    urpCount++;
                    p.replicas().stream().filter(r -> p.isr().stream().noneMatch(i -> i.id() == r.id()))
                            .forEach(r -> urpByBroker.merge(r.id(), 1, Integer::sum));
                    if (underReplicated.size() < PARTITIONS_NAMED) {
                        underReplicated.add(partition(topic, p));
                    }
                }
            }
        }

        Map<Integer, Map<String, Object>> brokers = new TreeMap<>();
        for (ExpectedBroker e : expected) {
            brokers.put(e.id(), broker(e.id(), e.address(), liveById.get(e.id()), controller));
        }
        liveById.forEach((id, node) -> brokers.computeIfAbsent(id, i -> broker(id, node.host() + ":" + node.port(), node, controller)));
        brokers.forEach((id, b) -> {
            int[] c = counts.getOrDefault(id, new int[2]);
            b.put("partitionsLed", c[0]);
            b.put("replicas", c[1]);
            b.put("underReplicated", urpByBroker.getOrDefault(id, 0));
        });

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("brokers", new ArrayList<>(brokers.values()));
        out.put("brokersUp", brokers.values().stream().filter(b -> Boolean.TRUE.equals(b.get("up"))).count());
        out.put("controller", controller.orElse(null));
        out.put("partitions", partitionCount);
        out.put("underReplicatedPartitions", urpCount);
        out.put("offlinePartitions", offlineCount);
        out.put("underReplicated", underReplicated);
        out.put("offline", offline);
        out.put("services", groups.stream().map(ClusterView::service).toList());
        return out;
    }

    private static Map<String, Object> broker(int id, String address, Node live, Optional<Integer> controller) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("id", id);
        b.put("address", address);
        b.put("up", live != null);
        b.put("controller", controller.isPresent() && controller.get() == id);
        b.put("rack", live == null ? null : live.rack());
        return b;
    }

    private static Map<String, Object> partition(TopicDescription topic, TopicPartitionInfo p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", topic.name());
        out.put("partition", p.partition());
        Node leader = p.leader();
        out.put("leader", leader == null || leader.isEmpty() ? null : leader.id());
        out.put("replicas", p.replicas().stream().map(Node::id).toList());
        out.put("isr", p.isr().stream().map(Node::id).toList());
        return out;
    }

    private static Map<String, Object> service(Group g) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", g.service());
        out.put("group", g.groupId());
        if (g.error() != null) {
            out.put("error", g.error());
            out.put("instances", List.of());
            return out;
        }
        List<Map<String, Object>> instances = new ArrayList<>();
        boolean localFound = false;
        for (Member m : g.members().stream().sorted(Comparator.comparing(Member::clientId)).toList()) {
            boolean local = g.localIds().contains(m.clientId());
            localFound |= local;
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("clientId", m.clientId());
            i.put("host", m.host());
            i.put("partitions", m.partitions());
            i.put("thisProcess", local);
            // another process's own health is not reachable from here: its membership is what the broker knows of it
            i.put("health", local && g.health() != null ? g.health() : "MEMBER");
            instances.add(i);
        }
        out.put("instances", instances);
        if (g.health() != null && !localFound) {
            // it runs here but is not (or not yet, or no longer) a member: joining, rebalancing, or stopped polling
            out.put("localNotMember", g.health());
        }
        return out;
    }

    /**
     * The relay's entry: it has no group (a replication slot has at most one reader), so its one instance is the slot's
     * active reader, this process's when the relay runs here.
     *
     * @param slotActive whether the slot has a reader now, null when unknown
     * @param localHealth the relay's health in this process, null when it does not run here
     */
    public static Map<String, Object> relay(String slot, Boolean slotActive, String localHealth) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", "relay");
        out.put("slot", slot);
        out.put("slotActive", slotActive);
        List<Map<String, Object>> instances = new ArrayList<>();
        if (localHealth != null || Boolean.TRUE.equals(slotActive)) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("clientId", "slot " + slot);
            i.put("host", null);
            i.put("partitions", null);
            i.put("thisProcess", localHealth != null);
            i.put("health", localHealth != null ? localHealth : "STREAMING");
            instances.add(i);
        }
        out.put("instances", instances);
        return out;
    }

    private static List<TopicDescription> sorted(Collection<TopicDescription> topics) {
        return topics.stream().filter(Objects::nonNull).sorted(Comparator.comparing(TopicDescription::name)).toList();
    }
}

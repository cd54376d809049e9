package com.voxanne.ssot.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;

class ClusterViewTest {
    private static final Node B1 = new Node(1, "127.0.0.1", 9091, "rack-a");
    private static final Node B2 = new Node(2, "127.0.0.1", 9092);
    private static final Node B3 = new Node(3, "127.0.0.1", 9093);
    private static final List<ClusterView.ExpectedBroker> THREE = List.of(new ClusterView.ExpectedBroker(1, "127.0.0.1:9091"),
            new ClusterView.ExpectedBroker(2, "127.0.0.1:9092"), new ClusterView.ExpectedBroker(3, "127.0.0.1:9093"));

    @Test
    void shouldListAnExpectedBrokerThatIsNotLiveAsDownWithTheReplicasItMisses() {
        // given three expected brokers, broker 3 gone: its replicas left the ISR, and one partition only it held is offline
        TopicDescription topic = new TopicDescription("telephony.numbers.provisioned", false, List.of(
                new TopicPartitionInfo(0, B1, List.of(B1, B2, B3), List.of(B1, B2)),
                new TopicPartitionInfo(1, B2, List.of(B2, B3, B1), List.of(B2, B1)),
                new TopicPartitionInfo(2, B1, List.of(B1, B2), List.of(B1, B2))));
        TopicDescription lonely = new TopicDescription("ssot.relay.offsets", false, List.of(
                new TopicPartitionInfo(0, null, List.of(B3), List.of())));

        // when the view is built
        Map<String, Object> view = ClusterView.build(List.of(B1, B2), Optional.of(2), THREE, List.of(topic, lonely), List.of());

        // then broker 3 is DOWN, not missing; the others are up with what they lead and hold; 2 is the controller
        List<Map<String, Object>> brokers = brokers(view);
        assertThat(brokers).extracting(b -> b.get("id")).containsExactly(1, 2, 3);
        assertThat(brokers).extracting(b -> b.get("up")).containsExactly(true, true, false);
        assertThat(brokers).extracting(b -> b.get("controller")).containsExactly(false, true, false);
        assertThat(brokers).extracting(b -> b.get("partitionsLed")).containsExactly(2, 1, 0);
        assertThat(brokers).extracting(b -> b.get("replicas")).containsExactly(3, 3, 3);
        assertThat(brokers).extracting(b -> b.get("underReplicated")).containsExactly(0, 0, 3);
        assertThat(brokers.get(0).get("rack")).isEqualTo("rack-a");
        assertThat(brokers.get(2).get("address")).isEqualTo("127.0.0.1:9093");
        assertThat(view.get("brokersUp")).isEqualTo(2L);

        // and the partitions without their full ISR are counted and named, the leaderless one as offline too
        assertThat(view.get("partitions")).isEqualTo(4);
        assertThat(view.get("underReplicatedPartitions")).isEqualTo(3);
        assertThat(view.get("offlinePartitions")).isEqualTo(1);
        assertThat(list(view, "underReplicated")).extracting(p -> p.get("topic") + "-" + p.get("partition"))
                .containsExactly("ssot.relay.offsets-0", "telephony.numbers.provisioned-0", "telephony.numbers.provisioned-1");
        assertThat(list(view, "offline")).singleElement().satisfies(p -> {
            assertThat(p.get("topic")).isEqualTo("ssot.relay.offsets");
            assertThat(p.get("leader")).isNull();
            assertThat(p.get("replicas")).isEqualTo(List.of(3));
        });
    }

    @Test
    void shouldShowAHealthyClusterWithNoUnderReplicatedPartitions() {
        TopicDescription topic = new TopicDescription("t", false, List.of(
                new TopicPartitionInfo(0, B1, List.of(B1, B2, B3), List.of(B1, B2, B3))));

        Map<String, Object> view = ClusterView.build(List.of(B1, B2, B3), Optional.of(1), THREE, List.of(topic), List.of());

        assertThat(brokers(view)).allMatch(b -> Boolean.TRUE.equals(b.get("up")));
        assertThat(view.get("underReplicatedPartitions")).isEqualTo(0);
        assertThat(view.get("offlinePartitions")).isEqualTo(0);
        assertThat(list(view, "underReplicated")).isEmpty();
    }

    @Test
    void shouldShowALiveBrokerThatWasNotExpected() {
        // given no broker list (a configured cluster seen for the first time)
        Map<String, Object> view = ClusterView.build(List.of(B2, B1), Optional.empty(), List.of(), List.of(), List.of());

        assertThat(brokers(view)).extracting(b -> b.get("id") + "@" + b.get("address"))
                .containsExactly("1@127.0.0.1:9091", "2@127.0.0.1:9092");
        assertThat(view.get("controller")).isNull();
    }

    @Test
    void shouldListEveryMemberOfAGroupMarkingThisProcesssOwnWithItsHealth() {
        // given a group of three members, one of them this process's consumer
        ClusterView.Group group = new ClusterView.Group("projector", "ssot-projector", List.of(
                new ClusterView.Member("projector-b", "/10.0.0.2", 2),
                new ClusterView.Member("projector-a", "/10.0.0.1", 3),
                new ClusterView.Member("projector-c", "/10.0.0.3", 1)), "UP", List.of("projector-a", "ssot-cli-admin"), null);

        Map<String, Object> view = ClusterView.build(List.of(B1), Optional.of(1), List.of(), List.of(), List.of(group));

        Map<String, Object> service = list(view, "services").get(0);
        assertThat(service.get("service")).isEqualTo("projector");
        assertThat(service.get("group")).isEqualTo("ssot-projector");
        assertThat(service).doesNotContainKey("localNotMember");
        List<Map<String, Object>> instances = list(service, "instances");
        assertThat(instances).extracting(i -> i.get("clientId")).containsExactly("projector-a", "projector-b", "projector-c");
        assertThat(instances).extracting(i -> i.get("thisProcess")).containsExactly(true, false, false);
        assertThat(instances).extracting(i -> i.get("health")).containsExactly("UP", "MEMBER", "MEMBER");
        assertThat(instances).extracting(i -> i.get("partitions")).containsExactly(3, 2, 1);
        assertThat(instances.get(1).get("host")).isEqualTo("/10.0.0.2");
    }

    @Test
    void shouldSayWhenTheLocalInstanceIsNotAMemberAndShowAGroupThatCouldNotBeDescribed() {
        ClusterView.Group joining = new ClusterView.Group("reconciler", "ssot-reconciler", List.of(), "DEGRADED", List.of(), null);
        ClusterView.Group unknown = new ClusterView.Group("provisioner", "ssot-provisioner", List.of(), null, List.of(),
                "unknown: TimeoutException");

        Map<String, Object> view = ClusterView.build(List.of(B1), Optional.of(1), List.of(), List.of(), List.of(joining, unknown));

        List<Map<String, Object>> services = list(view, "services");
        assertThat(services.get(0).get("localNotMember")).isEqualTo("DEGRADED");
        assertThat(list(services.get(0), "instances")).isEmpty();
        assertThat(services.get(1).get("error")).isEqualTo("unknown: TimeoutException");
        assertThat(list(services.get(1), "instances")).isEmpty();
    }

    @Test
    void shouldShowTheRelayAsTheSlotsOneReader() {
        assertThat(list(ClusterView.relay("ssot_relay", true, "UP"), "instances")).singleElement()
                .satisfies(i -> assertThat(i).containsEntry("thisProcess", true).containsEntry("health", "UP"));
        assertThat(list(ClusterView.relay("ssot_relay", true, null), "instances")).singleElement()
                .satisfies(i -> assertThat(i).containsEntry("thisProcess", false).containsEntry("health", "STREAMING"));
        assertThat(ClusterView.relay("ssot_relay", false, null)).containsEntry("slotActive", false);
        assertThat(list(ClusterView.relay("ssot_relay", false, null), "instances")).isEmpty();
    }

    private static List<Map<String, Object>> brokers(Map<String, Object> view) {
        return list(view, "brokers");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> map, String key) {
        return (List<Map<String, Object>>) map.get(key);
    }
}

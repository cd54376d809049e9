package com.voxanne.ssot.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.kafka.TopicSetup;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.testkit.TestStack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The reconciler's part of the one topic plan, applied by the one topic setup, on the real broker. */
class ReconcilerTopicSetupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final TestStack stack = TestStack.get();

    private ReconcilerSettings settings(String managed, String credentials, String violations) {
        ConfigSource source = ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers(),
                "TOPIC_CDC_MANAGED_NUMBERS", managed, "TOPIC_CDC_ORG_CREDENTIALS", credentials, "TOPIC_VIOLATIONS", violations,
                "SSOT_TOPIC_PARTITIONS", "5"));
        return ReconcilerSettings.from(SsotConfig.from(source), source);
    }

    @Test
    void shouldCreateAMissingCdcTopicCoPartitionedWithTheExistingOne() throws Exception {
        // given: the managed-numbers CDC topic exists with 3 partitions, nothing else does
        String managed = stack.uniqueTopic("cdc.managed");
        String credentials = stack.uniqueTopic("cdc.credentials");
        String violations = stack.uniqueTopic("violations");
        stack.createTopic(managed, 3, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));

        // when
        var created = TopicSetup.ensure(stack.admin(), settings(managed, credentials, violations).topicPlan(), TIMEOUT);

        // then: the other CDC topic follows the existing count (no repartition), the rest follow the plan
        assertThat(created).containsExactlyInAnyOrder(credentials, violations, Topic.dlqOf(managed), Topic.dlqOf(credentials));
        Map<String, Integer> partitions = partitions(List.of(managed, credentials, violations, Topic.dlqOf(managed)));
        assertThat(partitions).containsEntry(managed, 3).containsEntry(credentials, 3).containsEntry(violations, 5)
                .containsEntry(Topic.dlqOf(managed), 1);
        Config config = stack.admin().describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, credentials)))
                .all().get().values().iterator().next();
        assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);

        // and a second run creates nothing
        assertThat(TopicSetup.ensure(stack.admin(), settings(managed, credentials, violations).topicPlan(), TIMEOUT)).isEmpty();
    }

    @Test
    void shouldRefuseCdcTopicsThatAreNotCoPartitioned() {
        String managed = stack.uniqueTopic("cdc.managed");
        String credentials = stack.uniqueTopic("cdc.credentials");
        stack.createTopic(managed, 3, Map.of());
        stack.createTopic(credentials, 2, Map.of());

        assertThatThrownBy(() -> TopicSetup.ensure(stack.admin(),
                settings(managed, credentials, stack.uniqueTopic("violations")).topicPlan(), TIMEOUT))
                .isInstanceOf(TopicSetup.NotCoPartitionedException.class)
                .hasMessageContaining(credentials + " (2 partitions)").hasMessageContaining(managed + " (3 partitions)")
                .hasMessageContaining("are not co-partitioned");
    }

    private Map<String, Integer> partitions(List<String> names) throws Exception {
        Map<String, Integer> out = new java.util.HashMap<>();
        stack.admin().describeTopics(names).allTopicNames().get().forEach((n, d) -> out.put(n, d.partitions().size()));
        return out;
    }
}

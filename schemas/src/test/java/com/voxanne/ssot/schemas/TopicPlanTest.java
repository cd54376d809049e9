package com.voxanne.ssot.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicPlanTest {
    private final Topics topics = Topics.withNames(Map.of(Topics.VIOLATIONS, "acme.violations"));

    @Test
    void shouldPlanEveryTopicOfTheContractUnderTheDeploymentsNames() {
        TopicPlan plan = TopicPlan.of(topics, 4, 3);

        assertThat(plan.names()).containsExactly("telephony.provisioning.requests", "telephony.provisioning.results",
                "telephony.numbers.provisioned", "acme.violations", "cdc.managed_phone_numbers", "cdc.org_credentials",
                "telephony.provisioning.requests.dlq", "telephony.numbers.provisioned.dlq",
                "cdc.managed_phone_numbers.dlq", "cdc.org_credentials.dlq");
        assertThat(plan.topic("telephony.numbers.provisioned").orElseThrow().configs())
                .containsEntry(TopicConfig.RETENTION_MS_CONFIG, "-1").containsEntry(TopicConfig.RETENTION_BYTES_CONFIG, "-1");
        assertThat(plan.topic("acme.violations").orElseThrow().configs())
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        TopicPlan.Planned deadLetters = plan.topic(topics.numbersProvisioned().dlq()).orElseThrow();
        assertThat(deadLetters.partitions()).isEqualTo(1);
        assertThat(deadLetters.replicationFactor()).isEqualTo(3);
        assertThat(deadLetters.configs()).containsEntry(TopicConfig.RETENTION_MS_CONFIG, "-1");
        assertThat(plan.topic("cdc.org_credentials").orElseThrow().partitions()).isEqualTo(4);
        assertThat(plan.coPartitioned()).containsExactlyInAnyOrder("cdc.managed_phone_numbers", "cdc.org_credentials");
    }

    @Test
    void withThreeReplicasEveryTopicNeedsTwoInSyncSoOneBrokerMayBeDown() {
        assertThat(TopicPlan.of(topics, 4, 3).topics()).allSatisfy(t ->
                assertThat(t.configs()).containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        assertThat(TopicPlan.of(topics, 4, 3).topic("acme.violations").orElseThrow().configs())
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        // one replica: the broker's default stands (min.insync.replicas=2 would refuse every write)
        assertThat(TopicPlan.of(topics, 4, 1).topics()).allSatisfy(t ->
                assertThat(t.configs()).doesNotContainKey(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
    }

    @Test
    void shouldGiveAServiceItsPartOfThePlanAndRefuseTopicsOutsideIt() {
        TopicPlan plan = TopicPlan.of(topics, 6, 1);

        TopicPlan part = plan.only(List.of("acme.violations", "cdc.org_credentials"));

        assertThat(part.names()).containsExactly("acme.violations", "cdc.org_credentials");
        assertThat(part.coPartitioned()).containsExactly("cdc.org_credentials");
        assertThatThrownBy(() -> plan.only(List.of("ssot.violations")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("not in the topic plan: [ssot.violations]");
    }

    @Test
    void shouldRefuseImpossiblePartitionsAndReplication() {
        assertThatThrownBy(() -> TopicPlan.of(topics, 0, 1)).hasMessageContaining("partitions of telephony.provisioning.requests"
                + " must be >= 1, was 0");
        assertThatThrownBy(() -> TopicPlan.of(topics, 1, 0)).hasMessageContaining("must be 1..32767, was 0");
    }

    @Test
    void shouldApplyTheDeadLetterSuffixInOnePlace() {
        assertThat(topics.cdcManagedNumbers().dlq()).isEqualTo(Topic.dlqOf("cdc.managed_phone_numbers"))
                .isEqualTo("cdc.managed_phone_numbers" + Topic.DLQ_SUFFIX);
    }
}

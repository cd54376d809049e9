package com.voxanne.ssot.projector;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** A dead-letter topic that cannot take a record must not stall the projector forever behind a DEGRADED health. */
class DeadLetterRefusedTest {

    @Test
    void shouldStopWithHealthDownAfterBoundedRetriesWhenTheDeadLetterTopicRefusesAndSkipNothing() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_dlq_refused", 1)) {
            // given a dead-letter topic that takes nothing larger than 64 bytes, and a poison event bigger than that
            fixture.stack.admin().incrementalAlterConfigs(Map.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, fixture.topic + ".dlq"),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "64"),
                            AlterConfigOp.OpType.SET)))).all().get();
            UUID org = fixture.newOrg();
            NumberProvisioned poison = event(org, newPhone(), Instant.now());
            poison.setVapiPhoneId(" ");
            NumberProvisioned good = event(org, newPhone(), Instant.now());
            ProjectorService projector = fixture.startProjector(fixture.settings().withDlqMaxAttempts(3)
                    .withRetry(new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 2.0)), new SimpleMeterRegistry());

            // when the poison (which must be parked) and a good event behind it arrive
            fixture.send(poison, good);

            // then after 3 refused attempts the projector stops, DOWN with the reason
            ComponentHealth down = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(projector::health, h -> h.status() == ComponentHealth.Status.DOWN);
            assertThat(String.valueOf(down.details().get("reason")))
                    .contains("dead-letter topic of " + fixture.topic).contains("refused").contains("3 times")
                    .contains("PROJECTOR_DLQ_MAX_ATTEMPTS=3").contains("nothing was skipped");
            // and nothing was skipped: no offset committed past the poison (the good row's write is idempotent, redone)
            assertThat(committedOffset(fixture)).isZero();
            assertThat(fixture.rows()).doesNotContainKey(org + "|" + poison.getPhoneNumber());

            // when the dead-letter topic is fixed and the projector started again
            projector.close();
            fixture.stack.admin().incrementalAlterConfigs(Map.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, fixture.topic + ".dlq"),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048588"),
                            AlterConfigOp.OpType.SET)))).all().get();
            fixture.startProjector(fixture.settings(), new SimpleMeterRegistry());

            // then the same batch goes through: the poison parked, both offsets committed, the good row there
            assertThat(fixture.deadLetters(1)).hasSize(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset(fixture) == 2);
            assertThat(fixture.rows()).containsKey(org + "|" + good.getPhoneNumber())
                    .doesNotContainKey(org + "|" + poison.getPhoneNumber());
        }
    }

    private static long committedOffset(ProjectorFixture fixture) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = fixture.stack.admin()
                .listConsumerGroupOffsets(fixture.settings().groupId()).partitionsToOffsetAndMetadata().get();
        return committed.values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
    }
}

package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.provisioner.ProvisionerService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** A dead-letter topic that cannot take a malformed request must not hold every later request back forever. */
class DeadLetterRefusedTest {

    @Test
    void shouldStopTheInboxWithHealthDownAfterBoundedRetriesAndSkipNothing() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("dlq_refused", Map.of("PROVISIONER_DLQ_MAX_ATTEMPTS", "3"))) {
            // given a dead-letter topic that takes nothing above 64 bytes
            h.stack.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, h.requestsTopic + ".dlq"),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "64"),
                            AlterConfigOp.OpType.SET)))).all().get();
            String org = h.createOrg("Refused Letters");
            ProvisionerService service = h.startFromConfig();

            // when an undecodable request larger than that arrives, and a good one behind it
            h.publishRaw(org, new byte[512]);
            String good = h.publish(org, "415");

            // then after 3 refused attempts the inbox stops: DOWN, with the reason
            ComponentHealth down = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(service::health, health -> health.status() == ComponentHealth.Status.DOWN);
            assertThat(String.valueOf(down.details().get("reason"))).contains("request inbox stopped")
                    .contains("refused this batch's rejected records 3 times").contains("PROVISIONER_DLQ_MAX_ATTEMPTS=3")
                    .contains("nothing was skipped or committed");
            // and no offset was committed past the refused record (a good request of the same batch may be recorded:
            // recording is idempotent and is redone with the batch)
            assertThat(h.stack.admin().listConsumerGroupOffsets(h.groupId).partitionsToOffsetAndMetadata().get().values())
                    .allSatisfy(o -> assertThat(o == null ? 0 : o.offset()).isZero());

            // when the topic is fixed and the provisioner started again, the same batch goes through
            service.close();
            h.stack.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, h.requestsTopic + ".dlq"),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048588"),
                            AlterConfigOp.OpType.SET)))).all().get();
            h.startFromConfig();
            assertThat(h.deadLetters(1)).hasSize(1);
            assertThat(h.awaitResult(good).getRequestId()).isEqualTo(good);
        }
    }
}

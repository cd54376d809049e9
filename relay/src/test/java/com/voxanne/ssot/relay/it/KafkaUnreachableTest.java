package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.relay.RelayStartException;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A relay that cannot reach Kafka keeps retrying, says so in health, and gives up starting only after its timeout. */
class KafkaUnreachableTest {

    @Test
    void shouldReportDegradedWhileKafkaIsUnreachableAndFailStartAfterItsTimeout() throws Exception {
        try (RelayFixture f = new RelayFixture("no_kafka", Map.of(
                "RELAY_START_TIMEOUT", "30s",
                "RELAY_SEND_TIMEOUT", "3s",
                "RELAY_RESTART_BACKOFF_MAX", "1s"))) {
            // given a relay pointed at a port where no broker listens
            f.expectSlot = false;
            RelayService relay = f.newRelay("127.0.0.1:" + closedPort());

            // when it starts
            CompletableFuture<Void> start = CompletableFuture.runAsync(() -> {
                try {
                    relay.start();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            // then health says DEGRADED, naming Kafka, while it retries
            await("DEGRADED naming Kafka").atMost(Duration.ofSeconds(25)).untilAsserted(() -> {
                ComponentHealth h = relay.health();
                assertThat(h.status()).isEqualTo(ComponentHealth.Status.DEGRADED);
                assertThat(String.valueOf(h.details().get("reason"))).containsIgnoringCase("kafka");
            });
            // and start gives up after its timeout with the reason, leaving nothing running
            assertThatThrownBy(start::join).isInstanceOf(CompletionException.class).cause()
                    .isInstanceOf(RelayStartException.class).hasMessageContaining("did not start streaming");
            assertThat(relay.health().status()).isEqualTo(ComponentHealth.Status.DOWN);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

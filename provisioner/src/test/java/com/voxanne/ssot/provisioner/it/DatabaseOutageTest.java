package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** PostgreSQL goes away in the middle of a saga: the saga waits, resumes from its stored state, and buys nothing twice. */
class DatabaseOutageTest {

    @Test
    void shouldWaitAndResumeWithoutBuyingTwiceWhenPostgresIsDownMidSaga() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("dbdown", Map.of())) {
            // given: a saga that is between its purchase and its import when the database stops
            String org = h.createOrg("Outage Clinic");
            String otherOrg = h.createOrg("Patient Clinic");
            CountDownLatch purchased = new CountDownLatch(1);
            h.providers.vapi().faults().latency(FakeVapiServer.Operation.IMPORT, Duration.ofMillis(800));
            ProvisionerService service = h.start((checkpoint, saga) -> {
                if (checkpoint == SagaCheckpoint.PURCHASED) {
                    purchased.countDown();
                }
            });
            String first = h.publish(org, "503");
            assertThat(purchased.await(30, TimeUnit.SECONDS)).isTrue();
            // the import is counted (in the database) before it is sent: stop the database once it is on the wire
            await("the import request is in flight").atMost(Duration.ofSeconds(30))
                    .until(() -> h.providers.vapi().faults().calls(FakeVapiServer.Operation.IMPORT) >= 1);

            // when
            h.stack.stopPostgres();
            String second;
            try {
                // the import goes through while the database is down: the saga cannot record it and must wait
                await("the import happens during the outage").atMost(Duration.ofSeconds(30))
                        .until(() -> h.providers.vapi().imports() == 1);
                // a request arriving meanwhile is not acknowledged before it can be recorded
                second = h.publish(otherOrg, "503");
                await("the inbox reports it cannot record").atMost(Duration.ofSeconds(30))
                        .until(() -> {
                            ComponentHealth health = service.health();
                            return health.status() == ComponentHealth.Status.DEGRADED
                                    && String.valueOf(health.details().get("reason")).startsWith("inbox:");
                        });
            } finally {
                h.stack.startPostgres();
            }

            // then
            Map<String, ProvisioningResult> results = h.awaitResults(List.of(first, second), Duration.ofSeconds(90));
            assertThat(results.values()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED));
            assertThat(h.providers.twilio().purchases()).isEqualTo(2);
            assertThat(h.providers.vapi().imports()).isEqualTo(2);
            assertThat(h.managedRows()).isEqualTo(2);
            assertThat(h.twilioNumbers()).isEqualTo(h.managedNumbers());
            await("healthy again").atMost(Duration.ofSeconds(30)).until(() -> service.health().status() == ComponentHealth.Status.UP);
        }
    }
}

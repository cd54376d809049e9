package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The process is killed at the most dangerous moments (a provider said yes, the database does not know yet; or the
 * final transaction is written but not committed), then a new instance starts on the same database: exactly one
 * purchase, one import, one managed row and one NumberProvisioned event.
 */
class CrashRecoveryTest {

    /** What a kill looks like to the worker: an Error nobody catches. */
    static final class SimulatedKill extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedKill(SagaCheckpoint at) {
            super("simulated process kill at " + at);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SagaCheckpoint.class, names = {"PURCHASE_RESPONDED", "IMPORT_RESPONDED", "BEFORE_COMMIT"})
    void shouldBuyOnceAndRecordOnceWhenProcessIsKilledAfterAProviderSaidYes(SagaCheckpoint killAt) throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("crash_" + killAt.name().toLowerCase(), Map.of("PROVISIONER_LEASE", "3s"))) {
            // given: an instance that dies the first time it reaches the checkpoint
            String org = h.createOrg("Crashy Clinic");
            h.startWalCapture();
            AtomicBoolean armed = new AtomicBoolean(true);
            SagaStepListener killer = (checkpoint, saga) -> {
                if (checkpoint == killAt && armed.getAndSet(false)) {
                    throw new SimulatedKill(checkpoint);
                }
            };
            ProvisionerService first = h.start(killer);
            String requestId = h.publish(org, "646");
            await("the first instance dies").atMost(Duration.ofSeconds(30))
                    .until(() -> first.health().status() == ComponentHealth.Status.DOWN);
            first.close();
            assertThat(armed).isFalse();
            assertThat(h.sagaState(requestId)).isNotEqualTo("COMPLETED");

            // when: a new instance starts on the same database (it waits for the dead one's lease to expire)
            h.start(SagaStepListener.NONE);
            ProvisioningResult result = h.awaitResult(requestId);

            // then
            assertThat(result.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(h.providers.twilio().purchases()).isEqualTo(1);
            assertThat(h.providers.vapi().imports()).isEqualTo(1);
            assertThat(h.managedRows()).isEqualTo(1);
            assertThat(h.outboxInsertsInWal(EventIds.forRequest(requestId, "NumberProvisioned"))).isEqualTo(1);
            assertThat(h.twilioNumbers()).containsExactly(result.getPhoneNumber());
        }
    }
}

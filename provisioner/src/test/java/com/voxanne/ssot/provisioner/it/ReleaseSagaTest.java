package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.it.CrashRecoveryTest.SimulatedKill;
import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The release saga on the real broker and PostgreSQL, with twilio-java and the Vapi client over real HTTP to the
 * simulated providers: Vapi first, then Twilio, then one transaction (managed row released + NumberReleased).
 */
class ReleaseSagaTest {

    @Test
    void shouldDeleteInVapiReleaseInTwilioMarkReleasedAndEmitOneEventThenProvisionTheSameNumberAgain() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("release_happy", Map.of())) {
            // given a provisioned number
            String org = h.createOrg("Closing Clinic");
            h.startWalCapture();
            h.startFromConfig();
            ProvisioningResult provisioned = h.awaitResult(h.publish(org, "415"));
            String phone = provisioned.getPhoneNumber();

            // when the org gives it back
            String releaseId = h.publishRelease(org, phone);
            ProvisioningResult released = h.awaitResult(releaseId);

            // then: a SUCCEEDED result naming what was released
            assertThat(released.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(released.getPhoneNumber()).isEqualTo(phone);
            assertThat(released.getTwilioSid()).isEqualTo(provisioned.getTwilioSid());
            assertThat(released.getVapiPhoneId()).isEqualTo(provisioned.getVapiPhoneId());
            // gone from both providers, the managed row released with when, why and by whom, one event through the outbox
            assertThat(h.twilioNumbers()).doesNotContain(phone);
            assertThat(h.vapiNumbers()).doesNotContain(phone);
            assertThat(h.providers.vapi().deletes()).isEqualTo(1);
            assertThat(h.providers.twilio().releases()).isEqualTo(1);
            assertThat(h.count("SELECT count(*) FROM managed_phone_numbers WHERE phone_number = '" + phone + "' AND status = 'released'"
                    + " AND released_at IS NOT NULL AND release_reason = 'test release' AND release_request_id = '" + releaseId + "'"))
                    .isEqualTo(1);
            assertThat(h.outboxInsertsInWal(EventIds.forRequest(releaseId, "NumberReleased"))).isEqualTo(1);
            assertThat(h.sagaState(releaseId)).isEqualTo("COMPLETED");

            // when the same org asks for a number in the same area code again, the released number is for sale again
            ProvisioningResult again = h.awaitResult(h.publish(org, "415"));

            // then it is the same E.164, active again under a new managed row, the released row kept as history
            assertThat(again.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(again.getPhoneNumber()).isEqualTo(phone);
            assertThat(h.managedNumbers()).containsExactly(phone);
            assertThat(h.count("SELECT count(*) FROM managed_phone_numbers WHERE phone_number = '" + phone + "'")).isEqualTo(2);
        }
    }

    @Test
    void shouldReleaseOnceWhenTheSameReleaseRequestComesThreeTimes() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("release_dup", Map.of())) {
            // given
            String org = h.createOrg("Duplicate Releases");
            h.startWalCapture();
            h.startFromConfig();
            String phone = h.awaitResult(h.publish(org, "212")).getPhoneNumber();
            ReleaseNumberRequest release = ProvisionerHarness.releaseRequest("rel-dup-1", org, phone, null);

            // when
            h.publish(release);
            h.publish(release);
            h.publish(release);
            ProvisioningResult result = h.awaitResult("rel-dup-1");

            // then
            assertThat(result.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(h.count("SELECT count(*) FROM provisioning_requests WHERE request_id = 'rel-dup-1'")).isEqualTo(1);
            assertThat(h.providers.twilio().releases()).isEqualTo(1);
            assertThat(h.outboxInsertsInWal(EventIds.forRequest("rel-dup-1", "NumberReleased"))).isEqualTo(1);
        }
    }

    @Test
    void shouldRejectAReleaseOfANumberTheOrgDoesNotOwnOrAlreadyReleasedAndTouchNothing() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("release_rejects", Map.of())) {
            // given one org's number
            String owner = h.createOrg("Owner Clinic");
            String other = h.createOrg("Other Clinic");
            h.startFromConfig();
            String phone = h.awaitResult(h.publish(owner, "646")).getPhoneNumber();

            // when another org, a number nobody manages, and a malformed number are released
            String notTheirs = h.publishRelease(other, phone);
            String unknown = h.publishRelease(owner, "+16465550999");
            String malformed = h.publishRelease(owner, "0800-DEAD");
            Map<String, ProvisioningResult> results = h.awaitResults(List.of(notTheirs, unknown, malformed), Duration.ofSeconds(60));

            // then each is REJECTED with the reason, nothing deleted or released
            assertThat(results.values()).allSatisfy(r -> {
                assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.REJECTED);
                assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.REQUEST_VALIDATION);
            });
            assertThat(results.get(notTheirs).getError()).contains("is not a managed number of organisation " + other);
            assertThat(results.get(malformed).getError()).contains("is not an E.164 number");
            assertThat(h.providers.vapi().deletes()).isZero();
            assertThat(h.providers.twilio().releases()).isZero();
            assertThat(h.managedNumbers()).containsExactly(phone);

            // when the owner releases it twice under two requestIds
            assertThat(h.awaitResult(h.publishRelease(owner, phone)).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            ProvisioningResult second = h.awaitResult(h.publishRelease(owner, phone));

            // then the second says it is released already
            assertThat(second.getStatus()).isEqualTo(ProvisioningStatus.REJECTED);
            assertThat(second.getError()).contains("was already released at");
            assertThat(h.providers.twilio().releases()).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepOneOrgsProvisionAndReleaseInOrderAndTreatAnAlreadyGoneNumberAsSuccess() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("release_order", Map.of())) {
            // given a provisioned number, then its release and a new provision published back to back
            String org = h.createOrg("Ordered Clinic");
            h.startFromConfig();
            ProvisioningResult first = h.awaitResult(h.publish(org, "303"));
            // an operator already deleted the import in Vapi by hand: the release must still succeed
            h.providers.directory(ProvisionerHarness.HTTP_TIMEOUT).delete(first.getVapiPhoneId());

            // when
            String release = h.publishRelease(org, first.getPhoneNumber());
            String next = h.publish(org, "303");
            Map<String, ProvisioningResult> results = h.awaitResults(List.of(release, next), Duration.ofSeconds(60));

            // then the release ran first (arrival order), and the next provision bought the number it gave back
            assertThat(results.get(release).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(results.get(next).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(results.get(next).getPhoneNumber()).isEqualTo(first.getPhoneNumber());
            assertThat(h.count("SELECT count(*) FROM provisioning_requests p, provisioning_requests q WHERE p.request_id = '" + release
                    + "' AND q.request_id = '" + next + "' AND p.completed_at <= q.completed_at")).isEqualTo(1);
        }
    }

    @Test
    void shouldReadBackAnAmbiguousVapiDeleteAndTwilioReleaseAndFinishOnce() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("release_ambiguous", Map.of())) {
            // given both providers answer the first delete with a 500 after doing it
            String org = h.createOrg("Flaky Providers");
            h.startWalCapture();
            h.startFromConfig();
            String phone = h.awaitResult(h.publish(org, "512")).getPhoneNumber();
            h.providers.vapi().faults().failNext(FakeVapiServer.Operation.DELETE, Fault.errorAfterCommit(500));
            h.providers.twilio().faults().failNext(FakeTwilioServer.Operation.RELEASE, Fault.errorAfterCommit(500));

            // when
            String release = h.publishRelease(org, phone);
            ProvisioningResult result = h.awaitResult(release);

            // then the look-ups saw both gone: success, once
            assertThat(result.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(h.twilioNumbers()).isEmpty();
            assertThat(h.vapiNumbers()).isEmpty();
            assertThat(h.outboxInsertsInWal(EventIds.forRequest(release, "NumberReleased"))).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SagaCheckpoint.class, names = {"RELEASE_VALIDATED", "VAPI_DELETE_RESPONDED", "VAPI_DELETED",
            "TWILIO_RELEASE_RESPONDED", "TWILIO_RELEASED", "RELEASE_BEFORE_COMMIT"})
    void shouldReleaseOnceWhenProcessIsKilledAtAReleaseStep(SagaCheckpoint killAt) throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("release_crash_" + killAt.name().toLowerCase(), Map.of("PROVISIONER_LEASE", "3s"))) {
            // given a provisioned number and an instance that dies the first time a release reaches the checkpoint
            String org = h.createOrg("Crashy Release");
            h.startWalCapture();
            AtomicBoolean armed = new AtomicBoolean(true);
            SagaStepListener killer = (checkpoint, saga) -> {
                if (checkpoint == killAt && armed.getAndSet(false)) {
                    throw new SimulatedKill(checkpoint);
                }
            };
            ProvisionerService first = h.start(killer);
            String phone = h.awaitResult(h.publish(org, "720")).getPhoneNumber();
            String release = h.publishRelease(org, phone);
            await("the first instance dies").atMost(Duration.ofSeconds(30))
                    .until(() -> first.health().status() == ComponentHealth.Status.DOWN);
            first.close();
            assertThat(h.sagaState(release)).isNotEqualTo("COMPLETED");

            // when a new instance starts on the same database
            h.start(SagaStepListener.NONE);
            ProvisioningResult result = h.awaitResult(release);

            // then: released once, everywhere
            assertThat(result.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(h.twilioNumbers()).isEmpty();
            assertThat(h.vapiNumbers()).isEmpty();
            assertThat(h.managedRows()).isZero();
            assertThat(h.outboxInsertsInWal(EventIds.forRequest(release, "NumberReleased"))).isEqualTo(1);
        }
    }
}

package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A configuration error is not a request failure (issue 14, path 3): a wrong Vapi key opens the provider circuit,
 * the provisioner buys nothing and compensates nothing while it is open, says why in its health (without the key),
 * and resumes by itself once the key is accepted again.
 */
class ProviderCircuitTest {
    private static final Secret WRONG_KEY = Secret.of("wrong-" + UUID.randomUUID());

    @Test
    void shouldBuyNothingAndGoDegradedWhenTheVapiKeyIsWrongAtStartThenProvisionOnceTheKeyIsRight() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("circuit_start", Map.of())) {
            // given: Vapi refuses our key from before the provisioner starts
            FakeTwilioServer twilio = h.providers.twilio();
            FakeVapiServer vapi = h.providers.vapi();
            vapi.acceptOnlyKey(WRONG_KEY);
            String org = h.createOrg("Misconfigured Clinic");
            ProvisionerService service = h.start(SagaStepListener.NONE);

            // when: a request arrives while the key is wrong
            String requestId = h.publish(org, "415");

            // then: nothing is bought, the request waits, health says why (and never shows a key)
            await("nothing bought while Vapi refuses the key").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> {
                        assertThat(twilio.purchases()).as("purchases while Vapi refuses our key").isZero();
                        assertThat(h.sagaState(requestId)).as("saga state while Vapi refuses our key").isEqualTo("RECEIVED");
                    });
            await("degraded health").atMost(Duration.ofSeconds(30))
                    .until(() -> service.health().status() == ComponentHealth.Status.DEGRADED);
            String reason = String.valueOf(service.health().details().get("reason"));
            assertThat(reason).contains("Vapi").contains("401")
                    .doesNotContain(h.providers.vapiKey().reveal()).doesNotContain(WRONG_KEY.reveal());

            // when: the key is right again
            vapi.acceptOnlyKey(h.providers.vapiKey());

            // then: the request is provisioned by itself, with one purchase and nothing released
            ProvisioningResult r = h.awaitResult(requestId);
            assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(twilio.purchases()).isEqualTo(1);
            assertThat(twilio.releases()).isZero();
            assertThat(h.twilioNumbers()).containsExactly(r.getPhoneNumber());
            await("healthy again").atMost(Duration.ofSeconds(30)).until(() -> service.health().status() == ComponentHealth.Status.UP);
        }
    }

    @Test
    void shouldKeepThePaidNumberAndFinishWithoutCompensatingWhenTheVapiKeyGoesWrongAfterThePurchase() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("circuit_midway", Map.of())) {
            // given: a running provisioner; the Vapi key is rotated away while a request is between purchase and import
            FakeTwilioServer twilio = h.providers.twilio();
            FakeVapiServer vapi = h.providers.vapi();
            String org = h.createOrg("Rotated Key Clinic");
            ProvisionerService service = h.start((checkpoint, saga) -> {
                if (checkpoint == com.voxanne.ssot.provisioner.saga.SagaCheckpoint.PURCHASED) {
                    vapi.acceptOnlyKey(WRONG_KEY);
                }
            });

            // when
            String requestId = h.publish(org, "415");

            // then: the paid number is kept, the saga waits where it is (nothing compensated), health says why
            await("the saga waits with its paid number").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> {
                        assertThat(h.sagaState(requestId)).as("saga state while Vapi refuses our key").isEqualTo("PURCHASED");
                        assertThat(twilio.releases()).as("releases while Vapi refuses our key").isZero();
                    });
            await("degraded health").atMost(Duration.ofSeconds(30))
                    .until(() -> service.health().status() == ComponentHealth.Status.DEGRADED);

            // when: the key is right again
            vapi.acceptOnlyKey(h.providers.vapiKey());

            // then
            ProvisioningResult r = h.awaitResult(requestId);
            assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(twilio.purchases()).isEqualTo(1);
            assertThat(twilio.releases()).isZero();
            assertThat(h.twilioNumbers()).containsExactly(r.getPhoneNumber());
        }
    }

    @Test
    void shouldBuyNothingWhenTheVapiBaseUrlIsWrongAtStartThenProvisionOnceItIsRight() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("circuit_url", Map.of())) {
            // given: VAPI_BASE_URL points at a server that has no Vapi API (every path answers 404)
            FakeTwilioServer twilio = h.providers.twilio();
            FakeVapiServer vapi = h.providers.vapi();
            vapi.serveNothing(true);
            String org = h.createOrg("Wrong URL Clinic");
            ProvisionerService service = h.start(SagaStepListener.NONE);

            // when
            String requestId = h.publish(org, "415");

            // then: nothing bought, the request waits, health names the setting to check
            await("nothing bought while Vapi's URL is wrong").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> {
                        assertThat(twilio.purchases()).as("purchases while VAPI_BASE_URL is wrong").isZero();
                        assertThat(h.sagaState(requestId)).as("saga state while VAPI_BASE_URL is wrong").isEqualTo("RECEIVED");
                    });
            assertThat(service.health().status()).isEqualTo(ComponentHealth.Status.DEGRADED);
            assertThat(String.valueOf(service.health().details().get("reason"))).contains("404").contains("VAPI_BASE_URL");

            // when: the URL serves Vapi again
            vapi.serveNothing(false);

            // then
            ProvisioningResult r = h.awaitResult(requestId);
            assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(twilio.purchases()).isEqualTo(1);
        }
    }

    @Test
    void shouldNotTakeAWrongTwilioBaseUrlForAReleasedNumberWhileCompensating() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("circuit_release", Map.of())) {
            // given: Vapi answers the import with a blank id (a permanent failure: compensate), and from then on the
            // Twilio base URL serves nothing, so the release answers 404 as an already-released number would
            FakeTwilioServer twilio = h.providers.twilio();
            FakeVapiServer vapi = h.providers.vapi();
            vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, com.voxanne.ssot.provisioner.sim.Fault.blankId());
            java.util.concurrent.atomic.AtomicReference<String> phone = new java.util.concurrent.atomic.AtomicReference<>();
            String org = h.createOrg("Wrong Twilio URL Clinic");
            h.start((checkpoint, saga) -> {
                if (checkpoint == com.voxanne.ssot.provisioner.saga.SagaCheckpoint.IMPORT_RESPONDED && phone.compareAndSet(null,
                        saga.phoneNumber())) {
                    twilio.serveNothing(true);
                }
            });

            // when
            String requestId = h.publish(org, "415");

            // then: the saga waits in COMPENSATING with the number still paid for; it is not reported released
            await("the number is not taken for released").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> {
                        assertThat(h.sagaState(requestId)).as("saga state while TWILIO_BASE_URL serves nothing").isEqualTo("COMPENSATING");
                        assertThat(twilio.owns(phone.get())).as("Twilio still owns the number").isTrue();
                    });

            // when: the URL serves Twilio again
            twilio.serveNothing(false);

            // then: compensation finishes and really releases the number
            ProvisioningResult r = h.awaitResult(requestId);
            assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
            assertThat(r.getError()).contains("twilio=released");
            assertThat(twilio.owns(phone.get())).isFalse();
            assertThat(twilio.releases()).isEqualTo(1);
        }
    }
}

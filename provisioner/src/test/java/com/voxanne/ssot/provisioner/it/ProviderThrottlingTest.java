package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A 429 with Retry-After from either provider is waited out (the saga's own backoff here is 50-400 ms, far shorter):
 * no call before the provider said, then the request succeeds with one purchase and one import.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderThrottlingTest {
    private static final Duration RETRY_AFTER = Duration.ofSeconds(3);
    private ProvisionerHarness h;
    private FakeTwilioServer twilio;
    private FakeVapiServer vapi;
    private String org;

    @BeforeAll
    void start() throws Exception {
        h = new ProvisionerHarness("throttling", Map.of());
        twilio = h.providers.twilio();
        vapi = h.providers.vapi();
        h.start(com.voxanne.ssot.provisioner.saga.SagaStepListener.NONE);
        org = h.createOrg("Throttled Clinic");
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @AfterEach
    void noOrphans() {
        twilio.faults().clear();
        vapi.faults().clear();
        assertThat(h.twilioNumbers()).isEqualTo(h.managedNumbers());
    }

    @Test
    void shouldWaitForTwilioRetryAfterBeforeBuyingAgainWhenThePurchaseIsThrottled() {
        // given
        int purchasesBefore = twilio.purchases();
        int callsBefore = twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE);
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.throttled(RETRY_AFTER));

        // when
        String requestId = h.publish(org, "415");

        // then: one call, answered 429; no second one until Retry-After has passed
        await().atMost(Duration.ofSeconds(10)).until(() -> twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE) == callsBefore + 1);
        await("no purchase before Retry-After").during(RETRY_AFTER.minusMillis(1000)).atMost(RETRY_AFTER.plusSeconds(5))
                .untilAsserted(() -> assertThat(twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE))
                        .as("purchase calls before Retry-After passed").isEqualTo(callsBefore + 1));
        ProvisioningResult r = h.awaitResult(requestId);
        assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
    }

    @Test
    void shouldWaitForVapiRetryAfterBeforeImportingAgainWhenTheImportIsThrottled() {
        // given
        int importsBefore = vapi.imports();
        int callsBefore = vapi.faults().calls(FakeVapiServer.Operation.IMPORT);
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.throttled(RETRY_AFTER));

        // when
        String requestId = h.publish(org, "415");

        // then
        await().atMost(Duration.ofSeconds(10)).until(() -> vapi.faults().calls(FakeVapiServer.Operation.IMPORT) == callsBefore + 1);
        await("no import before Retry-After").during(RETRY_AFTER.minusMillis(1000)).atMost(RETRY_AFTER.plusSeconds(5))
                .untilAsserted(() -> assertThat(vapi.faults().calls(FakeVapiServer.Operation.IMPORT))
                        .as("import calls before Retry-After passed").isEqualTo(callsBefore + 1));
        ProvisioningResult r = h.awaitResult(requestId);
        assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(vapi.imports()).isEqualTo(importsBefore + 1);
    }
}

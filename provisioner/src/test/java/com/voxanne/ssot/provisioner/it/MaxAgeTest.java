package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A step that keeps failing transiently is retried until PROVISIONER_MAX_AGE, then the saga fails, but only after a
 * read-back has shown where it stands: nothing bought means nothing to release; a bought number is released.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MaxAgeTest {
    private ProvisionerHarness h;

    @BeforeAll
    void start() throws Exception {
        h = new ProvisionerHarness("maxage", Map.of("PROVISIONER_MAX_AGE", "2s"));
        h.startFromConfig();
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @AfterEach
    void noOrphans() {
        h.providers.twilio().faults().clear();
        h.providers.vapi().faults().clear();
        assertThat(h.twilioNumbers()).isEqualTo(h.managedNumbers());
    }

    @Test
    void shouldFailAtPurchaseWithNothingToReleaseWhenTwilioStaysUnavailablePastMaxAge() {
        // given
        String org = h.createOrg("Patience Ltd");
        h.providers.twilio().faults().failAlways(FakeTwilioServer.Operation.PURCHASE, Fault.status(503));

        // when
        ProvisioningResult r = h.awaitResult(h.publish(org, "415"));

        // then
        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.TWILIO_PURCHASE);
        assertThat(r.getError()).contains("gave up after").contains("read-back shows nothing was bought");
        assertThat(h.providers.twilio().faults().calls(FakeTwilioServer.Operation.PURCHASE)).isGreaterThan(1);
    }

    @Test
    void shouldFailAtImportAndReleaseTheNumberWhenVapiStaysUnavailablePastMaxAge() {
        // given
        String org = h.createOrg("Patience Too");
        h.providers.vapi().faults().failAlways(FakeVapiServer.Operation.IMPORT, Fault.status(503));
        int releases = h.providers.twilio().releases();

        // when
        ProvisioningResult r = h.awaitResult(h.publish(org, "415"));

        // then
        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.VAPI_IMPORT);
        assertThat(r.getError()).contains("gave up after").contains("twilio=released");
        assertThat(h.providers.twilio().releases()).isEqualTo(releases + 1);
        assertThat(h.providers.vapi().imported(r.getPhoneNumber())).isEmpty();
    }
}

package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.provisioner.saga.SagaMetrics;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A saga that holds a paid number and cannot finish is STUCK: counted in the gauge, listed for the operator, never
 * dropped; the operator can abandon it (compensation reads back and releases what exists) or resume a waiting one now.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StuckSagaTest {
    private ProvisionerHarness h;
    private SagaAdmin admin;
    private String org;

    @BeforeAll
    void start() throws Exception {
        h = new ProvisionerHarness("stuck", Map.of("PROVISIONER_STUCK_AFTER", "1s"));
        h.start(SagaStepListener.NONE);
        admin = new SagaAdmin(h.db.dataSource(), Duration.ZERO);
        org = h.createOrg("Stuck Clinic");
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

    private double stuckGauge() {
        return h.metrics().get(SagaMetrics.STUCK).gauge().value();
    }

    @Test
    void shouldCountAPaidSagaThatCannotFinishAsStuckAndReleaseItsNumberWhenAnOperatorAbandonsIt() {
        // given: Vapi never accepts the import, so the saga holds its paid number and retries
        h.providers.vapi().faults().failAlways(FakeVapiServer.Operation.IMPORT, Fault.status(503));
        int releasesBefore = h.providers.twilio().releases();
        String requestId = h.publish(org, "415");

        // then: it is STUCK (gauge and operator list), not dropped
        await("stuck gauge").atMost(Duration.ofSeconds(30)).until(() -> stuckGauge() >= 1);
        assertThat(admin.list(new SagaAdmin.Filter(Optional.of(org), Optional.empty(), Optional.of(Duration.ofSeconds(1))), 10))
                .extracting(s -> s.requestId()).containsExactly(requestId);
        assertThat(h.sagaState(requestId)).isEqualTo(SagaState.PURCHASED.name());
        assertThat(admin.list(new SagaAdmin.Filter(Optional.of(org + "@EXAMPLE.com"), Optional.of(SagaState.PURCHASED), Optional.empty()),
                10)).extracting(s -> s.requestId()).containsExactly(requestId);

        // when: the operator abandons it (between two retries, when no worker holds it)
        await("abandoned").atMost(Duration.ofSeconds(30)).until(() -> admin.abandon(requestId, "test-operator").done());

        // then: compensation released the number, the result says why, the gauge clears
        ProvisioningResult r = h.awaitResult(requestId);
        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.VAPI_IMPORT);
        assertThat(r.getError()).contains("abandoned by operator test-operator").contains("twilio=released");
        assertThat(h.providers.twilio().releases()).isEqualTo(releasesBefore + 1);
        assertThat(h.count("SELECT count(*) FROM provisioning_requests WHERE request_id = '" + requestId
                + "' AND operator_action LIKE 'abandoned by operator test-operator at %'")).isEqualTo(1);
        await("stuck gauge clears").atMost(Duration.ofSeconds(30)).until(() -> stuckGauge() == 0);
    }

    @Test
    void shouldRunAWaitingSagaAtOnceWhenAnOperatorResumesIt() {
        // given: Twilio throttles the purchase and asks for ten minutes
        FakeTwilioServer twilio = h.providers.twilio();
        int purchasesBefore = twilio.purchases();
        int callsBefore = twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE);
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.throttled(Duration.ofMinutes(10)));
        String requestId = h.publish(org, "415");
        await("throttled").atMost(Duration.ofSeconds(30)).until(() -> twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE) == callsBefore + 1);

        // when
        await("resumed").atMost(Duration.ofSeconds(30)).until(() -> admin.resume(requestId, "test-operator").done());

        // then
        ProvisioningResult r = h.awaitResult(requestId);
        assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
    }

    @Test
    void shouldNotAbandonASagaWhosePurchaseMayNotBeVisibleYetAndFindNothingBoughtOnceItMayBe() {
        // given: every purchase attempt fails before buying, so the saga stays NUMBER_CHOSEN with attempts
        FakeTwilioServer twilio = h.providers.twilio();
        int purchasesBefore = twilio.purchases();
        twilio.faults().failAlways(FakeTwilioServer.Operation.PURCHASE, Fault.status(503));
        String requestId = h.publish(org, "415");
        await("purchase attempted").atMost(Duration.ofSeconds(30)).until(() -> h.count("SELECT count(*) FROM provisioning_requests"
                + " WHERE request_id = '" + requestId + "' AND state = 'NUMBER_CHOSEN' AND attempts > 0") == 1);

        // when: an operator with a one-hour visibility window tries to abandon it
        SagaAdmin careful = new SagaAdmin(h.db.dataSource(), Duration.ofHours(1));
        // (between two retries, when no worker holds it: while one does, the answer is "being worked on")
        await("refused for visibility").atMost(Duration.ofSeconds(30)).until(() -> {
            SagaAdmin.Outcome o = careful.abandon(requestId, "test-operator");
            assertThat(o.done()).as("abandoned inside the visibility window: %s", o.message()).isFalse();
            return o.message().contains("reads may not show yet");
        });

        // then: refused (compensation could not yet trust a read-back that finds nothing), the saga goes on
        assertThat(h.sagaState(requestId)).isEqualTo("NUMBER_CHOSEN");

        // when: past the window (here: no window), the operator abandons it
        await("abandoned").atMost(Duration.ofSeconds(30)).until(() -> admin.abandon(requestId, "test-operator").done());

        // then: compensation read back Twilio, found nothing bought, and the saga failed at the purchase
        ProvisioningResult r = h.awaitResult(requestId);
        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.TWILIO_PURCHASE);
        assertThat(r.getError()).contains("abandoned by operator test-operator").contains("twilio=nothing bought");
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore);
    }
}

package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Money safety around the purchase (issue 14): a purchase whose success shows only later, a worker that stalls past
 * its lease in the middle of a purchase, and another buyer taking the chosen number. In every case a paid number is
 * recorded (never left on the account unrecorded) and a lost race is not a failed request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PurchaseRaceTest {
    private static final Duration LEASE = Duration.ofSeconds(4);
    private ProvisionerHarness h;
    private FakeTwilioServer twilio;
    private volatile BiConsumer<SagaCheckpoint, SagaRecord> hook = (c, s) -> { };
    private String org;
    private int purchasesBefore;
    private int purchaseCallsBefore;

    @BeforeAll
    void start() throws Exception {
        h = new ProvisionerHarness("races", Map.of("PROVISIONER_LEASE", LEASE.toMillis() + "ms"));
        twilio = h.providers.twilio();
        h.start((checkpoint, saga) -> hook.accept(checkpoint, saga));
    }

    @AfterAll
    void stop() {
        h.close();
    }

    private void given() {
        org = h.createOrg("Racy Clinic");
        purchasesBefore = twilio.purchases();
        purchaseCallsBefore = twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE);
    }

    @AfterEach
    void noPaidNumberLeftUnrecorded() {
        twilio.faults().clear();
        twilio.readBackLag(Duration.ZERO);
        hook = (c, s) -> { };
        await("no saga in flight").atMost(Duration.ofSeconds(30)).until(() -> h.count(
                "SELECT count(*) FROM provisioning_requests WHERE state NOT IN ('COMPLETED', 'FAILED', 'REJECTED')") == 0);
        assertThat(h.twilioNumbers()).isEqualTo(h.managedNumbers());
    }

    private ProvisioningResult provision(String areaCode) {
        return h.awaitResult(h.publish(org, areaCode));
    }

    /** Path 1: the purchase timed out but went through, the read-back lags behind, the retry is answered 21422. */
    @Test
    void shouldContinueAsPurchasedWhenRetryIsAnsweredNotAvailableAfterATimedOutPurchaseThatWentThrough() {
        // given: the first purchase buys and then hangs past the client timeout; reads show a bought number only 3 s later
        given();
        twilio.readBackLag(Duration.ofSeconds(3));
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE,
                Fault.timeoutAfterCommit(ProvisionerHarness.HTTP_TIMEOUT.plusSeconds(1)));

        // when
        ProvisioningResult r = provision("415");

        // then: the number bought by the timed-out attempt is the request's number, bought once, recorded
        assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
        assertThat(twilio.purchasesOf(r.getPhoneNumber())).isEqualTo(1);
        assertThat(h.managedNumbers()).contains(r.getPhoneNumber());
        assertThat(h.sagaState(r.getRequestId())).isEqualTo("COMPLETED");
    }

    /** Path 2: a worker stalls between counting its attempt and sending it, past its lease; another worker takes over. */
    @Test
    void shouldNeverLetAWorkerWhoseLeaseWasTakenBuyAndShouldBuyOnceWhenAWorkerStallsPastItsLease() throws Exception {
        // given: the first worker to reach the purchase stalls until the saga is taken over and the new owner is about to buy
        given();
        CountDownLatch takenOver = new CountDownLatch(1);
        AtomicReference<String> firstOwner = new AtomicReference<>();
        hook = (checkpoint, saga) -> {
            if (checkpoint != SagaCheckpoint.PURCHASE_SENDING) {
                return;
            }
            if (firstOwner.compareAndSet(null, saga.leaseOwner())) {
                try {
                    // a stalled worker: a GC pause, a stuck socket, a suspended VM; it wakes after losing its lease
                    assertThat(takenOver.await(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (!saga.leaseOwner().equals(firstOwner.get())) {
                takenOver.countDown();
                try {
                    // the stalled worker's purchase (if it sends one) lands before the new owner's
                    await().atMost(Duration.ofSeconds(3)).until(() -> twilio.owns(saga.phoneNumber()));
                } catch (ConditionTimeoutException e) {
                    // the stalled worker did not buy: nothing to wait for
                }
            }
        };

        // when
        ProvisioningResult r = provision("415");

        // then: one purchase call, one number, recorded; the stalled worker never called Twilio after losing its lease
        assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
        assertThat(twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE)).isEqualTo(purchaseCallsBefore + 1);
        assertThat(h.managedNumbers()).contains(r.getPhoneNumber());
    }

    /** Path 4: another Twilio customer buys the chosen number between our search and our purchase. */
    @Test
    void shouldBuyTheNextCandidateWhenAnotherBuyerTakesTheChosenNumber() {
        // given: whenever this saga chooses a number, another buyer takes it first (twice)
        given();
        Set<String> taken = ConcurrentHashMap.newKeySet();
        hook = (checkpoint, saga) -> {
            if (checkpoint == SagaCheckpoint.NUMBER_CHOSEN && taken.size() < 2 && taken.add(saga.phoneNumber())) {
                twilio.sellToAnotherBuyer(saga.phoneNumber());
            }
        };

        // when
        ProvisioningResult r = provision("628");

        // then: a third candidate is bought and recorded; the lost ones are neither bought nor recorded by us
        assertThat(r.getStatus()).as("result %s", r).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(taken).hasSize(2).doesNotContain(r.getPhoneNumber());
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
        assertThat(h.managedNumbers()).contains(r.getPhoneNumber()).doesNotContainAnyElementsOf(taken);
    }

    @Test
    void shouldFailAtPurchaseWithNothingBoughtWhenEveryChosenNumberIsTakenByAnotherBuyer() {
        // given: every number this saga chooses is taken by another buyer first
        given();
        Set<String> taken = ConcurrentHashMap.newKeySet();
        hook = (checkpoint, saga) -> {
            if (checkpoint == SagaCheckpoint.NUMBER_CHOSEN && taken.add(saga.phoneNumber())) {
                twilio.sellToAnotherBuyer(saga.phoneNumber());
            }
        };

        // when
        ProvisioningResult r = provision("629");

        // then: bounded: three candidates tried, then a clear failure, nothing bought
        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.TWILIO_PURCHASE);
        assertThat(r.getError()).contains("another buyer").contains("nothing was bought");
        assertThat(taken).hasSize(3);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore);
    }
}

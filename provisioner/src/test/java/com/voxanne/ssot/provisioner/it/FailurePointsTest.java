package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.saga.SagaMetrics;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Each failure point of the saga, injected into the simulated providers (or the database): the right result and
 * failurePoint, compensation exactly when the failure is permanent, exactly one purchase and import when an ambiguous
 * failure hid a success, and never an orphaned paid number (Twilio's numbers == managed rows after every test).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailurePointsTest {
    private ProvisionerHarness h;
    private FakeTwilioServer twilio;
    private FakeVapiServer vapi;
    private volatile BiConsumer<SagaCheckpoint, SagaRecord> hook = (c, s) -> { };
    private String org;
    private int purchasesBefore;
    private int importsBefore;

    @BeforeAll
    void start() throws Exception {
        h = new ProvisionerHarness("faults", Map.of());
        twilio = h.providers.twilio();
        vapi = h.providers.vapi();
        h.start((checkpoint, saga) -> hook.accept(checkpoint, saga));
    }

    @AfterAll
    void stop() {
        h.close();
    }

    private void given() {
        org = h.createOrg("Faulty Clinic");
        purchasesBefore = twilio.purchases();
        importsBefore = vapi.imports();
    }

    @AfterEach
    void noOrphans() {
        twilio.faults().clear();
        vapi.faults().clear();
        hook = (c, s) -> { };
        // every paid number is a managed row, and every managed row is paid for and imported
        assertThat(h.twilioNumbers()).isEqualTo(h.managedNumbers());
        assertThat(vapi.importedNumbers()).hasSize(h.managedNumbers().size());
    }

    private ProvisioningResult provision(String areaCode) {
        return h.awaitResult(h.publish(org, areaCode));
    }

    @Test
    void shouldFailAtNumberSearchWithoutBuyingWhenAreaCodeIsSoldOut() {
        given();
        twilio.soldOut("307");

        ProvisioningResult r = provision("307");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.NUMBER_SEARCH);
        assertThat(r.getError()).contains("no number available in US area code 307");
        assertThat(r.getPhoneNumber()).isNull();
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore);
    }

    @Test
    void shouldFailAtNumberSearchWhenTwilioRefusesTheSearch() {
        given();
        twilio.faults().failNext(FakeTwilioServer.Operation.SEARCH, Fault.status(400));

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.NUMBER_SEARCH);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore);
    }

    @Test
    void shouldRetrySearchAndSucceedWhenTwilioIsUnavailableForAWhile() {
        given();
        twilio.faults().failNext(FakeTwilioServer.Operation.SEARCH, Fault.status(503), 2);

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
    }

    @Test
    void shouldFailAtPurchaseWithoutCompensationWhenTwilioRefusesThePurchase() {
        given();
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.status(400));
        int releasesBefore = twilio.releases();

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.TWILIO_PURCHASE);
        assertThat(r.getPhoneNumber()).isNull();
        assertThat(r.getError()).contains("nothing was bought");
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore);
        assertThat(twilio.releases()).isEqualTo(releasesBefore);
    }

    @Test
    void shouldContinueWithExactlyOnePurchaseWhenPurchaseAnswers500AfterBuying() {
        given();
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.errorAfterCommit(500));
        int callsBefore = twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE);

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
        assertThat(twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE)).isEqualTo(callsBefore + 1);
        assertThat(twilio.purchasesOf(r.getPhoneNumber())).isEqualTo(1);
    }

    @Test
    void shouldContinueWithExactlyOnePurchaseWhenPurchaseTimesOutAfterBuying() {
        given();
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE,
                Fault.timeoutAfterCommit(ProvisionerHarness.HTTP_TIMEOUT.plusSeconds(1)));

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
    }

    @Test
    void shouldReadBackThenBuyAgainWhenPurchaseFailsBeforeBuying() {
        given();
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.status(503), 2);
        int callsBefore = twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE);

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
        assertThat(twilio.faults().calls(FakeTwilioServer.Operation.PURCHASE)).isEqualTo(callsBefore + 3);
    }

    @Test
    void shouldRetryImportAndSucceedWhenVapiAnswers5xx() {
        given();
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.status(502), 2);
        int callsBefore = vapi.faults().calls(FakeVapiServer.Operation.IMPORT);

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(vapi.imports()).isEqualTo(importsBefore + 1);
        assertThat(vapi.faults().calls(FakeVapiServer.Operation.IMPORT)).isEqualTo(callsBefore + 3);
        assertThat(twilio.purchases()).isEqualTo(purchasesBefore + 1);
    }

    @Test
    void shouldImportOnceWhenVapiAnswers500AfterImporting() {
        given();
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.errorAfterCommit(500));
        int callsBefore = vapi.faults().calls(FakeVapiServer.Operation.IMPORT);

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(vapi.imports()).isEqualTo(importsBefore + 1);
        assertThat(vapi.faults().calls(FakeVapiServer.Operation.IMPORT)).isEqualTo(callsBefore + 1);
        assertThat(vapi.imported(r.getPhoneNumber())).hasValueSatisfying(n -> assertThat(n.id()).isEqualTo(r.getVapiPhoneId()));
    }

    @Test
    void shouldFailAtVapiValidationAndCompensateWhenVapiAnswersWithBlankId() {
        given();
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.blankId());

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.VAPI_VALIDATION);
        assertThat(r.getError()).contains("without a phone id").contains("vapi=deleted").contains("twilio=released");
        assertThat(r.getPhoneNumber()).isNotNull();
        assertThat(twilio.owns(r.getPhoneNumber())).isFalse();
        assertThat(vapi.imported(r.getPhoneNumber())).isEmpty();
        assertThat(h.sagaState(r.getRequestId())).isEqualTo("FAILED");
    }

    @Test
    void shouldFailAtVapiImportAndCompensateWhenVapiRefusesTheImport() {
        given();
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.status(400));

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.VAPI_IMPORT);
        assertThat(r.getError()).contains("vapi=nothing imported").contains("twilio=released");
        assertThat(twilio.owns(r.getPhoneNumber())).isFalse();
    }

    @Test
    void shouldFailAtDbWriteAndCompensateWhenDatabaseRefusesTheFinalWrite() {
        given();
        String doomed = org;
        // the organisation disappears after the import: the managed row's foreign key is violated, a permanent failure
        hook = (checkpoint, saga) -> {
            if (checkpoint == SagaCheckpoint.IMPORTED && saga.orgId().equals(doomed)) {
                h.sql("DELETE FROM organizations WHERE id = '" + doomed + "'");
            }
        };

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.FAILED);
        assertThat(r.getFailurePoint()).isEqualTo(FailurePoint.DB_WRITE);
        assertThat(r.getError()).contains("23503").contains("vapi=deleted").contains("twilio=released");
        assertThat(twilio.owns(r.getPhoneNumber())).isFalse();
        assertThat(vapi.imported(r.getPhoneNumber())).isEmpty();
        assertThat(h.count("SELECT count(*) FROM managed_phone_numbers WHERE request_id = '" + r.getRequestId() + "'")).isZero();
    }

    @Test
    void shouldCountOutcomesAndFailuresByFailurePointAndTimeEachStep() {
        given();
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.blankId());
        MeterRegistry metrics = h.metrics();
        double before = failures(metrics, "VAPI_VALIDATION");

        ProvisioningResult failed = provision("415");
        ProvisioningResult succeeded = provision("415");

        assertThat(failed.getFailurePoint()).isEqualTo(FailurePoint.VAPI_VALIDATION);
        assertThat(succeeded.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(failures(metrics, "VAPI_VALIDATION")).isEqualTo(before + 1);
        assertThat(metrics.get(SagaMetrics.OUTCOMES).tag("status", "SUCCEEDED").counter().count()).isPositive();
        assertThat(metrics.get(SagaMetrics.OUTCOMES).tag("status", "FAILED").counter().count()).isPositive();
        assertThat(metrics.get(SagaMetrics.STEP_LATENCY).tag("step", "purchase").tag("outcome", "ok").timer().count()).isPositive();
        assertThat(metrics.get(SagaMetrics.STEP_LATENCY).tag("step", "db_write").tag("outcome", "ok").timer().count()).isPositive();
        assertThat(metrics.get(SagaMetrics.STUCK).gauge().value()).isZero();
        // no secret in what leaves the process
        assertThat(failed.getError()).doesNotContain(h.providers.twilioCredentials().authToken().reveal())
                .doesNotContain(h.providers.vapiKey().reveal());
    }

    private static double failures(MeterRegistry metrics, String failurePoint) {
        Counter c = metrics.find(Metrics.FAILURES).tag(Metrics.TAG_FAILURE_POINT, failurePoint).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shouldNotCompensateButRetryWhenVapiTimesOutBeforeImporting() {
        given();
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.timeout(ProvisionerHarness.HTTP_TIMEOUT.plus(Duration.ofSeconds(1))));
        int releasesBefore = twilio.releases();

        ProvisioningResult r = provision("415");

        assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        assertThat(twilio.releases()).isEqualTo(releasesBefore);
        assertThat(vapi.imports()).isEqualTo(importsBefore + 1);
    }
}

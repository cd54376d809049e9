package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One request, end to end on the real broker and PostgreSQL, with twilio-java and the Vapi client over real HTTP. */
class HappyPathTest {

    @Test
    void shouldRecordOneManagedNumberEmitOneEventAndPublishSucceededWhenRequestIsValid() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("happy", Map.of())) {
            // given
            String org = h.createOrg("Voxanne Demo Clinic");
            h.startWalCapture();
            ProvisionerService service = h.startFromConfig();

            // when
            String requestId = h.publish(org, "415");
            ProvisioningResult result = h.awaitResult(requestId);

            // then: the result
            assertThat(result.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(result.getOrgId()).isEqualTo(org);
            assertThat(result.getPhoneNumber()).startsWith("+1415");
            assertThat(result.getTwilioSid()).matches("PN[0-9a-f]{32}");
            assertThat(result.getVapiPhoneId()).isNotBlank();
            assertThat(result.getFailurePoint()).isNull();
            assertThat(result.getEventId()).isEqualTo(EventIds.forRequest(requestId, "ProvisioningResult"));
            // the one managed row, matching the providers
            assertThat(h.count("SELECT count(*) FROM managed_phone_numbers WHERE request_id = '" + requestId + "' AND org_id = '" + org
                    + "' AND phone_number = '" + result.getPhoneNumber() + "' AND twilio_sid = '" + result.getTwilioSid()
                    + "' AND vapi_phone_id = '" + result.getVapiPhoneId() + "'")).isEqualTo(1);
            assertThat(h.providers.twilio().purchases()).isEqualTo(1);
            assertThat(h.providers.vapi().imports()).isEqualTo(1);
            assertThat(h.twilioNumbers()).isEqualTo(h.managedNumbers());
            // exactly one NumberProvisioned through the outbox, seen in the WAL; the table itself stays empty
            assertThat(h.outboxInsertsInWal(EventIds.forRequest(requestId, "NumberProvisioned"))).isEqualTo(1);
            assertThat(h.count("SELECT count(*) FROM outbox")).isZero();
            assertThat(h.sagaState(requestId)).isEqualTo("COMPLETED");
            // the finished saga holds no lease (cleared with the result's publication)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(h.count("SELECT count(*) FROM provisioning_requests"
                    + " WHERE request_id = '" + requestId + "' AND result_published AND lease_owner IS NULL AND lease_until IS NULL"))
                    .isEqualTo(1));
            // and the simulated mode says so
            ComponentHealth health = service.health();
            assertThat(health.status()).isEqualTo(ComponentHealth.Status.UP);
            assertThat(health.details().get("providers").toString()).contains("SIMULATED");
        }
    }

    @Test
    void shouldBuyOneNumberWhenSameRequestIdIsPublishedThreeTimes() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("dup", Map.of())) {
            // given
            String org = h.createOrg("Duplicates Inc");
            h.startWalCapture();
            h.startFromConfig();
            ProvisionNumberRequest request = ProvisionerHarness.request("req-dup-1", org, "212");

            // when
            h.publish(request);
            h.publish(request);
            h.publish(request);
            ProvisioningResult first = h.awaitResult("req-dup-1");

            // then
            assertThat(first.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            assertThat(h.providers.twilio().purchases()).isEqualTo(1);
            assertThat(h.providers.vapi().imports()).isEqualTo(1);
            assertThat(h.count("SELECT count(*) FROM managed_phone_numbers WHERE request_id = 'req-dup-1'")).isEqualTo(1);
            assertThat(h.count("SELECT count(*) FROM provisioning_requests WHERE request_id = 'req-dup-1'")).isEqualTo(1);
            assertThat(h.outboxInsertsInWal(EventIds.forRequest("req-dup-1", "NumberProvisioned"))).isEqualTo(1);

            // when the request comes again after it finished, its result is published again, nothing is bought
            int before = resultsFor(h, "req-dup-1").size();
            h.publish(request);
            await("the result published again").atMost(Duration.ofSeconds(30)).pollInSameThread()
                    .until(() -> resultsFor(h, "req-dup-1").size() > before);
            List<ProvisioningResult> all = resultsFor(h, "req-dup-1");
            assertThat(all).allSatisfy(r -> {
                assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
                assertThat(r.getEventId()).isEqualTo(first.getEventId());
                assertThat(r.getPhoneNumber()).isEqualTo(first.getPhoneNumber());
            });
            assertThat(h.providers.twilio().purchases()).isEqualTo(1);
            assertThat(h.managedRows()).isEqualTo(1);
        }
    }

    private static List<ProvisioningResult> resultsFor(ProvisionerHarness h, String requestId) {
        return h.results().stream().filter(r -> r.getRequestId().equals(requestId)).toList();
    }
}

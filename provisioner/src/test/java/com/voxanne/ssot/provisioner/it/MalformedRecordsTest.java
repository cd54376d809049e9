package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Twenty malformed records among good ones: each malformed one becomes a REJECTED result (when it has a requestId to
 * answer) and a dead letter with the reason in its headers; every good one still succeeds; the consumer never stops.
 */
class MalformedRecordsTest {

    @Test
    void shouldRejectOrDeadLetterEveryMalformedRecordAndProvisionEveryGoodOne() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("malformed", Map.of())) {
            // given
            List<String> orgs = List.of(h.createOrg("Good One"), h.createOrg("Good Two"), h.createOrg("Good Three"));
            h.startFromConfig();
            Random random = new Random(42);
            List<String> good = new ArrayList<>();
            List<String> answerable = new ArrayList<>();
            int malformed = 0;

            // when: good requests interleaved with 20 malformed records
            for (int i = 0; i < 10; i++) {
                good.add(h.publish(orgs.get(i % 3), "415"));
                switch (i) {
                    case 0 -> {
                        // 4 random byte arrays (one empty)
                        for (int n : new int[] {0, 3, 64, 512}) {
                            byte[] bytes = new byte[n];
                            random.nextBytes(bytes);
                            h.publishRaw(orgs.get(0), bytes);
                            malformed++;
                        }
                    }
                    case 1 -> {
                        // 3 of the wrong schema: another record type, Confluent wire format, JSON
                        h.publishRaw(orgs.get(1), AvroSerde.of(ProvisioningResult.class).serialize("x", ProvisioningResult.newBuilder()
                                .setEventId("e").setRequestId("r").setOrgId(orgs.get(1)).setStatus(ProvisioningStatus.SUCCEEDED)
                                .setCompletedAt(Instant.now()).build()));
                        h.publishRaw(orgs.get(1), new byte[] {0, 0, 0, 0, 7, 2, 4, 6});
                        h.publishRaw(orgs.get(1), "{\"requestId\":\"r-json\",\"orgId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
                        malformed += 3;
                    }
                    case 2 -> {
                        // 3 bad area codes
                        for (String area : List.of("41", "0123", "abc")) {
                            answerable.add(publish(h, orgs.get(2), "US", area));
                            malformed++;
                        }
                    }
                    case 3 -> {
                        // 3 unknown organisations
                        for (int k = 0; k < 3; k++) {
                            answerable.add(publish(h, UUID.randomUUID().toString(), "US", "415"));
                            malformed++;
                        }
                    }
                    case 4 -> {
                        // 3 bad countries
                        for (String country : List.of("GB", "USA", "1A")) {
                            answerable.add(publish(h, orgs.get(0), country, null));
                            malformed++;
                        }
                    }
                    case 5 -> {
                        // 4 with missing fields: no requestId, no orgId, no requestedAt, no value at all
                        h.publish(base(" ", orgs.get(0)).build());
                        answerable.add(publishBuilt(h, base("req-" + UUID.randomUUID(), "").build()));
                        answerable.add(publishBuilt(h, base("req-" + UUID.randomUUID(), orgs.get(0)).setRequestedAt(Instant.EPOCH).build()));
                        h.publishRaw(orgs.get(0), null);
                        malformed += 4;
                    }
                    default -> {
                    }
                }
            }

            // then: every good request succeeded, every answerable malformed one was rejected
            List<String> all = new ArrayList<>(good);
            all.addAll(answerable);
            Map<String, ProvisioningResult> results = h.awaitResults(all, Duration.ofSeconds(90));
            assertThat(malformed).isEqualTo(20);
            assertThat(good).allSatisfy(id -> assertThat(results.get(id).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED));
            assertThat(answerable).hasSize(11).allSatisfy(id -> {
                ProvisioningResult r = results.get(id);
                assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.REJECTED);
                assertThat(r.getFailurePoint()).hasToString("REQUEST_VALIDATION");
                assertThat(r.getError()).startsWith("invalid provisioning request: ");
            });
            // and every malformed record is in the DLQ, original bytes kept, reason in the headers
            List<ConsumerRecord<byte[], byte[]>> dlq = h.deadLetters(20);
            assertThat(dlq).hasSize(20);
            assertThat(dlq).allSatisfy(r -> {
                assertThat(header(r, DeadLetters.H_ERROR_MESSAGE)).isNotBlank();
                assertThat(header(r, DeadLetters.H_STAGE)).isIn("decode", "validate");
                assertThat(header(r, DeadLetters.H_SOURCE_TOPIC)).isEqualTo(h.requestsTopic);
            });
            Map<String, Long> byStage = dlq.stream().collect(Collectors.groupingBy(r -> header(r, DeadLetters.H_STAGE), Collectors.counting()));
            assertThat(byStage).containsEntry("validate", 11L).containsEntry("decode", 9L);
            assertThat(h.providers.twilio().purchases()).isEqualTo(10);
            assertThat(h.managedRows()).isEqualTo(10);
        }
    }

    @Test
    void shouldDeadLetterRequestTheDatabaseCannotStoreWithoutBlockingTheOthers() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("poison", Map.of())) {
            // given: a request PostgreSQL refuses to store (a NUL character in a text column) between two good ones
            String org = h.createOrg("Poison Clinic");
            h.startFromConfig();
            String before = h.publish(org, "415");
            h.publish(base("req-poison", org).setFriendlyName("front\u0000desk").build());
            String after = h.publish(org, "415");

            // when
            Map<String, ProvisioningResult> results = h.awaitResults(List.of(before, after), Duration.ofSeconds(60));

            // then
            assertThat(results.values()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED));
            List<ConsumerRecord<byte[], byte[]>> dlq = h.deadLetters(1);
            assertThat(dlq).hasSize(1);
            assertThat(header(dlq.get(0), DeadLetters.H_STAGE)).isEqualTo("record");
            assertThat(header(dlq.get(0), DeadLetters.H_ERROR_MESSAGE)).contains("22021");
            assertThat(h.count("SELECT count(*) FROM provisioning_requests WHERE request_id = 'req-poison'")).isZero();
        }
    }

    private static ProvisionNumberRequest.Builder base(String requestId, String orgId) {
        return ProvisionNumberRequest.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setRequestId(requestId)
                .setOrgId(orgId)
                .setCountryCode("US")
                .setAreaCode("415")
                .setFriendlyName(null)
                .setRequestedAt(Instant.now());
    }

    private static String publish(ProvisionerHarness h, String orgId, String country, String area) {
        return publishBuilt(h, base("req-" + UUID.randomUUID(), orgId).setCountryCode(country).setAreaCode(area).build());
    }

    private static String publishBuilt(ProvisionerHarness h, ProvisionNumberRequest r) {
        h.publish(r);
        return r.getRequestId();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}

package com.voxanne.ssot.projector;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.header;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PoisonRecordTest {

    @Test
    void shouldParkOnePoisonEventAndWriteTheThousandGoodOnes() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_poison", 3)) {
            // given
            UUID org = fixture.newOrg();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            fixture.startProjector(registry);
            List<NumberProvisioned> good = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                good.add(event(org, newPhone(), Instant.now()));
            }
            NumberProvisioned poison = event(org, newPhone(), Instant.now());
            poison.setVapiPhoneId(" ");

            // when
            fixture.send(good.subList(0, 500));
            fixture.send(poison);
            fixture.send(good.subList(500, 1000));

            // then
            fixture.awaitRowCount(1000, Duration.ofSeconds(60));
            List<ConsumerRecord<byte[], byte[]>> parked = fixture.deadLetters(1);
            assertThat(parked).hasSize(1);
            ConsumerRecord<byte[], byte[]> dlq = parked.get(0);
            assertThat(dlq.value()).isEqualTo(fixture.serde.serialize(fixture.topic, poison));
            assertThat(new String(dlq.key(), StandardCharsets.UTF_8)).isEqualTo(org.toString());
            assertThat(header(dlq, DeadLetters.H_STAGE)).isEqualTo("SSOT_WRITE");
            assertThat(header(dlq, DeadLetters.H_ERROR_MESSAGE)).contains("vapiPhoneId must not be blank");
            assertThat(header(dlq, DeadLetters.H_SOURCE_TOPIC)).isEqualTo(fixture.topic);
            assertThat(fixture.rows()).doesNotContainKey(org + "|" + poison.getPhoneNumber());
            assertThat(Meters.failures(registry)).isEqualTo(1);
            assertThat(Meters.deadLettered(registry)).isEqualTo(1);
            assertThat(Meters.rows(registry, "inserted")).isEqualTo(1000);
        }
    }

    @Test
    void shouldParkEveryKindOfPoisonWithItsReasonAndKeepGoing() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_poison_kinds", 3)) {
            // given
            UUID org = fixture.newOrg();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            fixture.startProjector(registry);
            NumberProvisioned badPhone = event(org, "4155550100", Instant.now());
            NumberProvisioned badSid = event(org, newPhone(), Instant.now());
            badSid.setTwilioSid("PN-not-a-sid");
            NumberProvisioned badOrgId = event(org, newPhone(), Instant.now());
            badOrgId.setOrgId("voxanne@demo.com");
            UUID unknownOrg = UUID.randomUUID();
            NumberProvisioned noSuchOrg = event(unknownOrg, newPhone(), Instant.now());
            List<NumberProvisioned> good = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                good.add(event(org, newPhone(), Instant.now()));
            }

            // when: poison of every kind mixed into one stream (and so into the same batches)
            fixture.send(good.subList(0, 50));
            fixture.sendRaw(org.toString(), "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8));
            fixture.send(badPhone, badSid, badOrgId, noSuchOrg);
            fixture.send(good.subList(50, 100));

            // then
            fixture.awaitRowCount(100, Duration.ofSeconds(60));
            Map<String, ConsumerRecord<byte[], byte[]>> byClass = fixture.deadLetters(5).stream()
                    .collect(Collectors.toMap(r -> header(r, DeadLetters.H_ERROR_MESSAGE), Function.identity()));
            assertThat(byClass).hasSize(5);
            assertThat(byClass.keySet()).anySatisfy(m -> assertThat(m).contains("NOT_SINGLE_OBJECT_ENCODING"))
                    .anySatisfy(m -> assertThat(m).contains("phoneNumber must be E.164"))
                    .anySatisfy(m -> assertThat(m).contains("twilioSid must be PN"))
                    .anySatisfy(m -> assertThat(m).contains("orgId must be a UUID"))
                    .anySatisfy(m -> assertThat(m).contains("unknown organisation " + unknownOrg));
            assertThat(byClass.values()).filteredOn(r -> "decode".equals(header(r, DeadLetters.H_STAGE))).hasSize(1);
            assertThat(byClass.values()).filteredOn(r -> "SSOT_WRITE".equals(header(r, DeadLetters.H_STAGE))).hasSize(4);
            assertThat(Meters.failures(registry)).isEqualTo(5);
        }
    }

    @Test
    void shouldIsolateTheRowTheDatabaseRefusesByBisectionAndWriteTheRestOfItsBatch() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_bisect", 1)) {
            // given: a constraint the projector's own checks do not know about, broken by one event of a batch
            fixture.execute("ALTER TABLE org_credentials ADD CONSTRAINT test_no_forbidden_vapi_id"
                    + " CHECK (vapi_phone_id <> 'vapi-forbidden')");
            UUID org = fixture.newOrg();
            List<NumberProvisioned> events = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                events.add(event(org, newPhone(), Instant.now()));
            }
            NumberProvisioned refused = events.get(137);
            refused.setVapiPhoneId("vapi-forbidden");
            fixture.send(events); // sent before the projector starts: one partition, one batch

            // when
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            fixture.startProjector(registry);

            // then
            fixture.awaitRowCount(199, Duration.ofSeconds(60));
            ConsumerRecord<byte[], byte[]> dlq = fixture.deadLetters(1).get(0);
            assertThat(dlq.value()).isEqualTo(fixture.serde.serialize(fixture.topic, refused));
            assertThat(header(dlq, DeadLetters.H_ERROR_CLASS)).contains("SQLState 23514");
            assertThat(header(dlq, DeadLetters.H_ERROR_MESSAGE)).contains("test_no_forbidden_vapi_id");
            await().atMost(Duration.ofSeconds(10)).until(() -> Meters.rows(registry, "inserted") == 199);
            assertThat(fixture.rows()).doesNotContainKey(org + "|" + refused.getPhoneNumber());
        }
    }
}

package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The table path: managed_phone_numbers and org_credentials -> their CDC topics, per the CDC contract. */
class CdcTablesTest {
    private static final Logger log = LoggerFactory.getLogger(CdcTablesTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void shouldPublishInsertUpdateDeleteAndKeyChangeOfManagedNumbersWithWhatConsumersNeedToRekeyAndRetract() throws Exception {
        try (RelayFixture f = new RelayFixture("cdc_mpn")) {
            // given a streaming relay and an organisation
            f.startRelay();
            UUID org = f.insertOrgs(1).get(0);
            UUID id = UUID.randomUUID();
            String phone = "+14155550101";
            String newPhone = "+14155550199";

            // when a managed number is inserted, updated, re-numbered (key change) and deleted
            f.execute("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, request_id,"
                    + " provisioned_at) VALUES (?, ?, ?, ?, 'vapi-1', 'req-1', ?)", id, org, phone, sid(), Timestamp.from(Instant.now()));
            f.execute("UPDATE managed_phone_numbers SET friendly_name = 'Front desk' WHERE id = ?", id);
            f.execute("UPDATE managed_phone_numbers SET phone_number = ? WHERE id = ?", newPhone, id);
            f.execute("DELETE FROM managed_phone_numbers WHERE id = ?", id);

            // then the topic carries, in order per key (the two keys may sit on different partitions, so there is
            // no order between them): c, u, d, tombstone under the old key; c, d, tombstone under the new key
            String oldKey = org + "|" + phone;
            String newKey = org + "|" + newPhone;
            List<ConsumerRecord<byte[], byte[]>> records;
            try (TopicReader reader = f.reader(f.managedTopic)) {
                records = reader.awaitAtLeast(7, WAIT);
            }
            assertThat(records).hasSize(7);
            assertThat(records).extracting(CdcTablesTest::key).containsOnly(oldKey, newKey);
            List<ConsumerRecord<byte[], byte[]>> oldRecords = records.stream().filter(r -> key(r).equals(oldKey)).toList();
            List<ConsumerRecord<byte[], byte[]>> newRecords = records.stream().filter(r -> key(r).equals(newKey)).toList();
            assertThat(oldRecords.stream().map(ConsumerRecord::partition).distinct()).as("one key, one partition").hasSize(1);
            assertThat(newRecords.stream().map(ConsumerRecord::partition).distinct()).as("one key, one partition").hasSize(1);
            assertThat(oldRecords).extracting(CdcTablesTest::op).containsExactly("c/false", "u/false", "d/true", "tombstone");
            assertThat(newRecords).extracting(CdcTablesTest::op).containsExactly("c/false", "d/true", "tombstone");

            JsonNode created = json(oldRecords.get(0));
            log.info("CDC record on {}: key {} value {}", f.managedTopic, key(oldRecords.get(0)), created);
            assertThat(created.get("id").asText()).isEqualTo(id.toString());
            assertThat(created.get("org_id").asText()).isEqualTo(org.toString());
            assertThat(created.get("phone_number").asText()).isEqualTo(phone);
            assertThat(created.get("vapi_phone_id").asText()).isEqualTo("vapi-1");
            assertThat(created.get("request_id").asText()).isEqualTo("req-1");
            assertThat(created.get("status").asText()).isEqualTo("active");
            assertThat(created.get("provisioned_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
            assertThat(created.get("__source_ts_ms").isIntegralNumber()).isTrue();
            assertThat(created.get("__lsn").isIntegralNumber()).isTrue();
            assertThat(json(oldRecords.get(1)).get("friendly_name").asText()).isEqualTo("Front desk");
            JsonNode retraction = json(oldRecords.get(2));
            assertThat(retraction.get("phone_number").asText()).as("the retraction carries the old row").isEqualTo(phone);
            JsonNode renumbered = json(newRecords.get(0));
            assertThat(renumbered.get("phone_number").asText()).isEqualTo(newPhone);
            assertThat(retraction.get("__lsn").asLong()).as("retraction and re-keyed row come from the same change")
                    .isEqualTo(renumbered.get("__lsn").asLong());
            assertThat(json(newRecords.get(1)).get("__lsn").asLong()).isGreaterThan(renumbered.get("__lsn").asLong());
            // counted after Kafka's ack, so possibly just after a reader saw the records
            await().atMost(WAIT).untilAsserted(() -> assertThat(f.relayedCount("managed_phone_numbers")).isEqualTo(7.0));
        }
    }

    @Test
    void shouldPublishInsertUpdateDeleteOfOrgCredentialsWithTypedColumnsAndTombstone() throws Exception {
        try (RelayFixture f = new RelayFixture("cdc_oc")) {
            // given a streaming relay and an organisation
            f.startRelay();
            UUID org = f.insertOrgs(1).get(0);
            String phone = "+14155550102";
            String eventId = UUID.randomUUID().toString();

            // when an SSOT row is inserted, updated and deleted
            f.execute("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed,"
                    + " last_event_id, version) VALUES (?, 'twilio', ?, 'vapi-2', ?, true, ?::uuid, 1)", org, phone, sid(), eventId);
            f.execute("UPDATE org_credentials SET vapi_phone_id = 'vapi-3', version = 2 WHERE org_id = ? AND phone_number = ?",
                    org, phone);
            f.execute("DELETE FROM org_credentials WHERE org_id = ? AND phone_number = ?", org, phone);

            // then c, u, d and a tombstone arrive under "orgId|phone" with JSON types as the contract says
            List<ConsumerRecord<byte[], byte[]>> records;
            try (TopicReader reader = f.reader(f.credentialsTopic)) {
                records = reader.awaitAtLeast(4, WAIT);
            }
            assertThat(records).hasSize(4);
            assertThat(records).extracting(CdcTablesTest::key).containsOnly(org + "|" + phone);
            assertThat(records.get(3).value()).as("tombstone after the delete").isNull();
            JsonNode created = json(records.get(0));
            assertThat(created.get("__op").asText()).isEqualTo("c");
            assertThat(created.get("__deleted").asText()).isEqualTo("false");
            assertThat(created.get("is_managed").isBoolean()).isTrue();
            assertThat(created.get("is_managed").asBoolean()).isTrue();
            assertThat(created.get("version").isIntegralNumber()).isTrue();
            assertThat(created.get("id").isIntegralNumber()).isTrue();
            assertThat(created.get("last_event_id").asText()).isEqualTo(eventId);
            assertThat(created.get("updated_at").asText()).endsWith("Z");
            assertThat(created.get("written_by").asText()).as("V9's writer: plain SQL is an operator's").isEqualTo("operator");
            JsonNode updated = json(records.get(1));
            assertThat(updated.get("__op").asText()).isEqualTo("u");
            assertThat(updated.get("vapi_phone_id").asText()).isEqualTo("vapi-3");
            assertThat(updated.get("version").asLong()).isEqualTo(2);
            JsonNode deleted = json(records.get(2));
            assertThat(deleted.get("__op").asText()).isEqualTo("d");
            assertThat(deleted.get("__deleted").asText()).isEqualTo("true");
            assertThat(deleted.get("vapi_phone_id").asText()).as("the delete carries the old row").isEqualTo("vapi-3");
            assertThat(deleted.get("__lsn").asLong()).isGreaterThan(created.get("__lsn").asLong());
        }
    }

    @Test
    void shouldSnapshotLegacyRowsOnFirstStartAndNeverSnapshotTheOutbox() throws Exception {
        try (RelayFixture f = new RelayFixture("snapshot")) {
            // given legacy rows written before the relay ever ran, and an outbox row someone forgot to delete
            UUID org = f.insertOrgs(1).get(0);
            String phone = "+14155550103";
            f.execute("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, provisioned_at)"
                    + " VALUES (?, ?, ?, ?, 'vapi-legacy', now() - interval '400 days')", UUID.randomUUID(), org, phone, sid());
            f.execute("INSERT INTO org_credentials (org_id, provider, phone_number, is_managed) VALUES (?, 'twilio', ?, false)",
                    org, phone);
            RelayFixture.OutboxEvent straggler = RelayFixture.event(org);
            f.execute("INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES (?, 'PhoneNumber', ?,"
                    + " 'NumberProvisioned', ?)", UUID.fromString(straggler.eventId()), straggler.orgId(), straggler.payload());

            // when the relay starts for the first time, and then one outbox event is written the normal way
            f.startRelay();
            RelayFixture.OutboxEvent marker = RelayFixture.event(org);
            f.writeOutbox(List.of(marker));

            // then both legacy rows are on their topics as snapshot reads ("r")
            try (TopicReader managed = f.reader(f.managedTopic); TopicReader credentials = f.reader(f.credentialsTopic)) {
                ConsumerRecord<byte[], byte[]> m = managed.awaitAtLeast(1, WAIT).get(0);
                ConsumerRecord<byte[], byte[]> c = credentials.awaitAtLeast(1, WAIT).get(0);
                assertThat(key(m)).isEqualTo(org + "|" + phone);
                assertThat(json(m).get("__op").asText()).isEqualTo("r");
                assertThat(json(m).get("request_id").isNull()).as("legacy row without request_id").isTrue();
                assertThat(key(c)).isEqualTo(org + "|" + phone);
                assertThat(json(c).get("__op").asText()).isEqualTo("r");
                assertThat(json(c).get("is_managed").asBoolean()).isFalse();
            }
            // and the outbox topic has the streamed event only: the straggler was not snapshotted
            try (TopicReader numbers = f.reader(f.numbersTopic)) {
                List<ConsumerRecord<byte[], byte[]>> events = numbers.awaitRecord(
                        r -> marker.eventId().equals(OutboxRelayTest.header(r, "eventId")), WAIT);
                numbers.pollOnce(Duration.ofMillis(300));
                assertThat(numbers.all()).extracting(r -> OutboxRelayTest.header(r, "eventId"))
                        .containsExactly(marker.eventId());
                assertThat(events).isNotEmpty();
            }
        }
    }

    private static String sid() {
        return "PN" + UUID.randomUUID().toString().replace("-", "");
    }

    private static String op(ConsumerRecord<byte[], byte[]> r) {
        return r.value() == null ? "tombstone" : json(r).get("__op").asText() + "/" + json(r).get("__deleted").asText();
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    private static JsonNode json(ConsumerRecord<byte[], byte[]> r) {
        try {
            return JSON.readTree(r.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

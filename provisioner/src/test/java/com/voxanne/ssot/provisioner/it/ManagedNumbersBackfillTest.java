package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.provisioner.outbox.ManagedNumber;
import com.voxanne.ssot.provisioner.outbox.ManagedNumbersBackfill;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The legacy re-emit as the relay would see it: the outbox rows read straight from the WAL. That projecting the
 * event heals the SSOT row is the end-to-end test's part (cli {@code PipelineEndToEndTest}), where a projector runs.
 */
class ManagedNumbersBackfillTest {
    private static final Pattern OUTBOX_INSERT = Pattern.compile(
            "table public\\.outbox: INSERT: id\\[uuid\\]:'([^']+)' aggregatetype\\[text\\]:'([^']+)'"
                    + " aggregateid\\[text\\]:'([^']+)' type\\[text\\]:'([^']+)' payload\\[bytea\\]:'\\\\x([0-9a-f]+)'");
    private static final Pattern OUTBOX_DELETE = Pattern.compile("table public\\.outbox: DELETE: id\\[uuid\\]:'([^']+)'");
    private static final Instant PROVISIONED_AT = Instant.parse("2026-02-09T23:33:02.123Z");

    @Test
    void shouldReEmitALegacyManagedNumberThroughTheOutboxInOneTransaction() throws Exception {
        Topic<String, NumberProvisioned> topic = Topics.defaults().numbersProvisioned();
        try (ProvisionerHarness h = new ProvisionerHarness("managed_backfill", Map.of())) {
            TestDatabase db = h.db;
            // given: a legacy number (no request id, no event ever), a healthy one, and a released one
            UUID org = UUID.randomUUID();
            h.sql("INSERT INTO organizations (id, name, email) VALUES ('" + org + "', 'Org " + org + "', '" + org + "@test.example')");
            String legacyPhone = "+14155550101";
            UUID legacyId = managedNumber(db, org, legacyPhone, null, "active");
            String healthyPhone = "+14155550102";
            managedNumber(db, org, healthyPhone, "req-healthy", "active");
            h.sql("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, is_managed)"
                    + " VALUES ('" + org + "', 'twilio', '" + healthyPhone + "', 'vapi-x', true)");
            managedNumber(db, org, "+14155550103", "req-released", "released");
            ManagedNumbersBackfill backfill = new ManagedNumbersBackfill(db.dataSource(), new OutboxWriter(topic));
            List<String> afterDryRun;
            List<String> wal;
            ManagedNumbersBackfill.Result dry;
            ManagedNumbersBackfill.Result real;
            try (WalCapture capture = new WalCapture(db.dataSource())) {
                // when: a dry run, then the real one
                dry = backfill.run(true);
                afterDryRun = capture.next();
                real = backfill.run(false);
                wal = capture.next();
            }

            // then: the dry run lists exactly the legacy number and emits nothing
            assertThat(dry.missing()).extracting(ManagedNumber::id).containsExactly(legacyId.toString());
            assertThat(dry.emitted()).isZero();
            assertThat(afterDryRun).noneMatch(line -> line.contains("public.outbox"));
            // the real run emitted one NumberProvisioned, inserted and deleted in ONE transaction
            assertThat(real.emitted()).isEqualTo(1);
            assertThat(h.count("SELECT count(*) FROM outbox")).isZero();
            assertThat(wal.get(0)).startsWith("BEGIN");
            assertThat(wal.get(wal.size() - 1)).startsWith("COMMIT");
            assertThat(wal.stream().filter(l -> l.startsWith("BEGIN"))).hasSize(1);
            Matcher insert = wal.stream().map(OUTBOX_INSERT::matcher).filter(Matcher::find).findFirst().orElseThrow();
            Matcher delete = wal.stream().map(OUTBOX_DELETE::matcher).filter(Matcher::find).findFirst().orElseThrow();
            String expectedEventId = EventIds.forRequest(legacyId.toString(), "NumberProvisioned");
            assertThat(insert.group(1)).isEqualTo(expectedEventId);
            assertThat(delete.group(1)).isEqualTo(expectedEventId);
            assertThat(insert.group(2)).isEqualTo("PhoneNumber");
            assertThat(insert.group(3)).isEqualTo(org.toString());
            assertThat(insert.group(4)).isEqualTo("NumberProvisioned");
            byte[] payload = HexFormat.of().parseHex(insert.group(5));
            NumberProvisioned event = topic.valueSerde().deserializer().deserialize(topic.name(), payload);
            assertThat(event.getEventId()).isEqualTo(expectedEventId);
            assertThat(event.getPhoneNumber()).isEqualTo(legacyPhone);
            assertThat(event.getProvisionedAt()).isEqualTo(PROVISIONED_AT);
            assertThat(h.stack.replicationSlots(db.name())).isEmpty();
        }
    }

    private static UUID managedNumber(TestDatabase db, UUID org, String phone, String requestId, String status) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, status,
                                                        request_id, provisioned_at, released_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setObject(1, id);
            ps.setObject(2, org);
            ps.setString(3, phone);
            ps.setString(4, "PN" + UUID.randomUUID().toString().replace("-", ""));
            ps.setString(5, "vapi-" + UUID.randomUUID());
            ps.setString(6, status);
            ps.setString(7, requestId);
            ps.setTimestamp(8, Timestamp.from(PROVISIONED_AT));
            ps.setTimestamp(9, status.equals("released") ? Timestamp.from(Instant.now()) : null);
            ps.executeUpdate();
            c.commit();
        }
        return id;
    }
}

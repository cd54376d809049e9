package com.voxanne.ssot.projector.backfill;

import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static com.voxanne.ssot.projector.ProjectorFixture.newTwilioSid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.projector.ProjectorFixture;
import com.voxanne.ssot.projector.ProjectorFixture.SsotRecord;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The relay is not on this module's test classpath, so the outbox emission is read straight from the WAL
 * through a logical slot with the test_decoding plugin (dropped after), then produced as the relay would.
 */
class ManagedNumbersBackfillTest {
    private static final Pattern OUTBOX_INSERT = Pattern.compile(
            "table public\\.outbox: INSERT: id\\[uuid\\]:'([^']+)' aggregatetype\\[text\\]:'([^']+)'"
                    + " aggregateid\\[text\\]:'([^']+)' type\\[text\\]:'([^']+)' payload\\[bytea\\]:'\\\\x([0-9a-f]+)'");
    private static final Pattern OUTBOX_DELETE = Pattern.compile("table public\\.outbox: DELETE: id\\[uuid\\]:'([^']+)'");

    private static UUID managedNumber(ProjectorFixture fixture, UUID org, String phone, String requestId, String status)
            throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = fixture.db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, status,
                                                        request_id, provisioned_at, released_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setObject(1, id);
            ps.setObject(2, org);
            ps.setString(3, phone);
            ps.setString(4, newTwilioSid());
            ps.setString(5, "vapi-" + UUID.randomUUID());
            ps.setString(6, status);
            ps.setString(7, requestId);
            ps.setTimestamp(8, Timestamp.from(Instant.parse("2026-02-09T23:33:02.123Z")));
            ps.setTimestamp(9, status.equals("released") ? Timestamp.from(Instant.now()) : null);
            ps.executeUpdate();
            c.commit();
        }
        return id;
    }

    private static List<String> changes(Connection c, String slot) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT data FROM pg_logical_slot_get_changes(?, NULL, NULL)")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        }
        return lines;
    }

    @Test
    void shouldHealALegacyManagedNumberThroughTheOutboxAndTheNormalPath() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("managed_backfill", 3)) {
            // given: a legacy number (no request id, no event ever), a healthy one, and a released one
            UUID org = fixture.newOrg();
            String legacyPhone = newPhone();
            UUID legacyId = managedNumber(fixture, org, legacyPhone, null, "active");
            String healthyPhone = newPhone();
            managedNumber(fixture, org, healthyPhone, "req-healthy", "active");
            fixture.execute("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, is_managed)"
                    + " VALUES ('" + org + "', 'twilio', '" + healthyPhone + "', 'vapi-x', true)");
            managedNumber(fixture, org, newPhone(), "req-released", "released");
            String slot = "projector_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = fixture.db.dataSource().getConnection()) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
                }
                try {
                    ManagedNumbersBackfill backfill = new ManagedNumbersBackfill(fixture.db.dataSource());

                    // when: a dry run, then the real one
                    ManagedNumbersBackfill.Result dry = backfill.run(true);
                    List<String> afterDryRun = changes(c, slot);
                    ManagedNumbersBackfill.Result real = backfill.run(false);
                    List<String> wal = changes(c, slot);

                    // then: the dry run lists exactly the legacy number and emits nothing
                    assertThat(dry.missing()).extracting(LegacyNumber::id).containsExactly(legacyId);
                    assertThat(dry.emitted()).isZero();
                    assertThat(afterDryRun).noneMatch(line -> line.contains("public.outbox"));
                    // the real run emitted one NumberProvisioned, inserted and deleted in ONE transaction
                    assertThat(real.emitted()).isEqualTo(1);
                    assertThat(fixture.scalar("SELECT count(*) FROM outbox")).isZero();
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
                    NumberProvisioned event = fixture.serde.deserialize(fixture.topic, payload);
                    assertThat(event.getEventId()).isEqualTo(expectedEventId);
                    assertThat(event.getPhoneNumber()).isEqualTo(legacyPhone);
                    assertThat(event.getProvisionedAt()).isEqualTo(Instant.parse("2026-02-09T23:33:02.123Z"));

                    // and projecting that event (produced as the relay would: key orgId, payload bytes as written)
                    fixture.sendRaw(insert.group(3), payload);
                    fixture.startProjector();
                    SsotRecord row = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                            .until(() -> fixture.rows().get(org + "|" + legacyPhone), r -> r != null);
                    assertThat(row.isManaged()).isTrue();
                    assertThat(row.vapiPhoneId()).isEqualTo(event.getVapiPhoneId());
                    assertThat(row.lastEventId()).hasToString(expectedEventId);
                    assertThat(backfill.findMissing()).isEmpty();
                } finally {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                    }
                }
            }
            assertThat(fixture.stack.replicationSlots(fixture.db.name())).isEmpty();
        }
    }
}

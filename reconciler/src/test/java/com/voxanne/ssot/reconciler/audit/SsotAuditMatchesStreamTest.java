package com.voxanne.ssot.reconciler.audit;

import com.voxanne.ssot.reconciler.violations.ViolationsReader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.testing.ReconcilerHarness;
import com.voxanne.ssot.reconciler.testing.Rows;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.testkit.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two independent detectors agree: the rows are written to PostgreSQL, the same rows are produced as
 * the relay's CDC records (row_to_json of each row plus the CDC fields), and the set of OPEN violations on
 * the topic (key and kind) equals what the SQL audit finds, before and after some rows change.
 */
class SsotAuditMatchesStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong LSN = new AtomicLong();

    @TempDir
    Path dataDir;

    private TestDatabase db;
    private ReconcilerHarness harness;

    @AfterEach
    void close() throws InterruptedException {
        if (harness != null) {
            harness.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void shouldOpenExactlyTheViolationsTheSqlAuditFinds() throws Exception {
        // given crafted rows in the database
        harness = new ReconcilerHarness(dataDir, "1s");
        db = harness.stack.newDatabase("reconciler_agree");
        Rows rows = new Rows(db.dataSource());
        UUID a = rows.organization("Org A", "a@agree.test");
        UUID b = rows.organization("Org B", "b@agree.test");
        rows.managed(a, "+14155551001", "va-1");
        rows.credentials(a, "+14155551001", "va-1", true);
        rows.managed(a, "+14155551002", "va-2");
        rows.managed(a, "+14155551003", "va-3");
        rows.credentials(a, "+14155551003", "other", true);
        rows.managed(b, "+14155551004", "vb-4");
        rows.credentials(b, "+14155551004", "vb-4", false);
        rows.managed(b, "+14155551005", "vb-5");
        rows.credentials(b, "+14155551005", null, false);
        rows.released(b, "+14155551006", "vb-6");
        rows.credentials(b, "+14155551007", "vb-7", true); // offered as managed, no managed number: STALE_SSOT_ROW
        rows.credentials(b, "+14155551008", "vb-byo", false); // the customer's own number: nothing to judge

        // when the same rows arrive as CDC records
        harness.startService();
        relay("managed_phone_numbers", harness::sendManaged);
        relay("org_credentials", harness::sendCredentials);

        // then the stream's OPEN set equals the audit's set
        SsotAudit audit = new SsotAudit(db.dataSource());
        assertThat(auditSet(audit)).hasSize(5).containsValue("STALE_SSOT_ROW");
        awaitAgreement(audit);

        // when rows change: one fixed, one SSOT row deleted
        update("UPDATE org_credentials SET vapi_phone_id = 'va-3', version = version + 1 WHERE phone_number = '+14155551003'");
        relayRow("org_credentials", "+14155551003", harness::sendCredentials);
        String deletedKey = Topics.orgNumberKey(a.toString(), "+14155551001");
        String deleted = deleteAndRead("+14155551001");
        harness.sendCredentials(deletedKey, deleted);
        harness.sendCredentials(deletedKey, null);

        // then they agree again
        assertThat(auditSet(audit)).containsEntry(deletedKey, Compliance.MISSING_SSOT_ROW.name()).hasSize(5);
        awaitAgreement(audit);
    }

    private void awaitAgreement(SsotAudit audit) {
        try (ViolationsReader reader = new ViolationsReader(new KafkaClients(harness.stack.bootstrapServers(), Map.of()),
                harness.violationsTopic)) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                    .untilAsserted(() -> assertThat(streamSet(reader.snapshot(Duration.ofSeconds(10))))
                            .isEqualTo(auditSet(audit)));
        }
    }

    private static Map<String, String> auditSet(SsotAudit audit) {
        return audit.findings().stream()
                .collect(Collectors.toMap(AuditFinding::key, f -> f.kind().name(), (x, y) -> x, TreeMap::new));
    }

    private static Map<String, String> streamSet(ViolationsReader.Snapshot snapshot) {
        return snapshot.open().stream().collect(Collectors.toMap(
                v -> Topics.orgNumberKey(v.getOrgId(), v.getPhoneNumber()), (SsotViolation v) -> v.getKind().name(),
                (x, y) -> x, TreeMap::new));
    }

    /** Every row of the table as a snapshot ("r") CDC record, keyed orgId|phone, like the relay. */
    private void relay(String table, BiConsumer<String, String> send) throws Exception {
        query("SELECT org_id::text, phone_number, row_to_json(t)::text FROM " + table + " t", null, "r", send);
    }

    private void relayRow(String table, String phone, BiConsumer<String, String> send) throws Exception {
        query("SELECT org_id::text, phone_number, row_to_json(t)::text FROM " + table + " t WHERE phone_number = ?",
                phone, "u", send);
    }

    private void query(String sql, String param, String op, BiConsumer<String, String> send) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (param != null) {
                ps.setString(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    send.accept(Topics.orgNumberKey(rs.getString(1), rs.getString(2)), cdc(rs.getString(3), op));
                }
            }
            c.commit();
        }
    }

    private String deleteAndRead(String phone) throws Exception {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM org_credentials t WHERE phone_number = ? RETURNING row_to_json(t)::text")) {
            ps.setString(1, phone);
            String json;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                json = rs.getString(1);
            }
            c.commit();
            return cdc(json, "d");
        }
    }

    private void update(String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.executeUpdate();
            c.commit();
        }
    }

    private static String cdc(String rowJson, String op) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(rowJson);
        n.put("__op", op);
        n.put("__deleted", Boolean.toString("d".equals(op)));
        n.put("__source_ts_ms", System.currentTimeMillis());
        n.put("__lsn", LSN.incrementAndGet());
        return n.toString();
    }
}

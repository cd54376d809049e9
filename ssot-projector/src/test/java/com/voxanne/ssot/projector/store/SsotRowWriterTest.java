package com.voxanne.ssot.projector.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code org_credentials.written_by} (migration V9) on a real PostgreSQL: the projector's and the backfill's upserts
 * are recorded as theirs, through the projector's database role (V7), and any other write as the operator's.
 */
class SsotRowWriterTest {
    private static final AtomicInteger PHONES = new AtomicInteger();
    private static TestDatabase db;
    private static String projectorUser;
    private static String projectorPassword;

    @BeforeAll
    static void createDatabaseAndProjectorUser() throws SQLException {
        db = TestStack.get().newDatabase("ssot_writer");
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        projectorUser = "ssot_writer_test_" + HexFormat.of().formatHex(random, 0, 4);
        projectorPassword = HexFormat.of().formatHex(random);
        try (Connection c = TestStack.get().adminConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + projectorUser + " LOGIN PASSWORD '" + projectorPassword + "' IN ROLE ssot_projector");
        }
    }

    @AfterAll
    static void dropDatabaseAndUser() throws SQLException {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            if (projectorUser != null) {
                try (Connection c = TestStack.get().adminConnection(); Statement st = c.createStatement()) {
                    st.execute("DROP ROLE IF EXISTS " + projectorUser);
                }
            }
        }
    }

    @Test
    void shouldRecordTheProjectorWhenTheProjectorsRoleUpserts() throws SQLException {
        // given
        UUID org = newOrg();
        String phone = newPhone();

        // when
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), projectorUser, projectorPassword)) {
            c.setAutoCommit(false);
            new OrgCredentialsUpsert(SsotWriter.PROJECTOR).upsertRows(c, List.of(row(org, phone, 100)));
            c.commit();
        }

        // then
        assertThat(writtenBy(org, phone)).isEqualTo("projector");
    }

    @Test
    void shouldRecordTheBackfillWhenABackfillUpdatesARowTheProjectorWrote() throws SQLException {
        // given
        UUID org = newOrg();
        String phone = newPhone();
        upsert(SsotWriter.PROJECTOR, row(org, phone, 100));

        // when: a newer event replayed by a backfill
        upsert(SsotWriter.BACKFILL, row(org, phone, 200));

        // then
        assertThat(writtenBy(org, phone)).isEqualTo("backfill");
    }

    @Test
    void shouldStillRecordTheBackfillForRowsWrittenAfterABatchWasRolledBackAndBisected() throws SQLException {
        // given a batch with one row the database refuses (not E.164: the table's CHECK), so the batch is rolled back
        // (which clears the transaction's writer) and bisected under savepoints
        UUID org = newOrg();
        String good = newPhone();
        List<Candidate<String>> batch = List.of(new Candidate<>(row(org, good, 100), "good"),
                new Candidate<>(row(org, "+0000", 100), "bad"));

        // when
        WriteResult<String> result;
        try (Connection c = db.dataSource().getConnection()) {
            result = new RefusingBatchWrite(SsotWriter.BACKFILL).write(c, batch);
            c.commit();
        }

        // then the good row is written, as the backfill's
        assertThat(result.refused()).extracting(r -> r.candidate().source()).containsExactly("bad");
        assertThat(writtenBy(org, good)).isEqualTo("backfill");
    }

    @Test
    void shouldRecordTheOperatorForPlainSqlEvenInASessionThatUpsertedBefore() throws SQLException {
        // given: a session whose previous transaction was the projector's (the setting was local to it)
        UUID org = newOrg();
        String phone = newPhone();
        String other = newPhone();
        try (Connection c = db.dataSource().getConnection()) {
            new OrgCredentialsUpsert(SsotWriter.PROJECTOR).upsertRows(c, List.of(row(org, other, 100)));
            c.commit();

            // when: an operator's manual insert and update in the same session
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, is_managed) "
                        + "VALUES ('" + org + "', 'twilio', '" + phone + "', 'vapi-manual', true)");
                st.executeUpdate("UPDATE org_credentials SET is_managed = true WHERE org_id = '" + org
                        + "' AND phone_number = '" + other + "'");
            }
            c.commit();
        }

        // then
        assertThat(writtenBy(org, phone)).isEqualTo("operator");
        assertThat(writtenBy(org, other)).isEqualTo("operator");
    }

    @Test
    void shouldRecordTheOperatorWhenTheSettingHoldsAnUnknownWriter() throws SQLException {
        // given
        UUID org = newOrg();
        String phone = newPhone();

        // when
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT set_config('ssot.writer', 'someone', true)");
            st.executeUpdate("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, is_managed) "
                    + "VALUES ('" + org + "', 'twilio', '" + phone + "', 'vapi-x', true)");
            c.commit();
        }

        // then
        assertThat(writtenBy(org, phone)).isEqualTo("operator");
    }

    private static void upsert(SsotWriter writer, ProjectedRow row) throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            new OrgCredentialsUpsert(writer).upsertRows(c, List.of(row));
            c.commit();
        }
    }

    private static ProjectedRow row(UUID org, String phone, long version) {
        return new ProjectedRow(org, phone, "vapi-" + version, "PN" + "b".repeat(32), UUID.randomUUID(), version, "req-" + version);
    }

    private static UUID newOrg() throws SQLException {
        UUID org = UUID.randomUUID();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO organizations (id, name, email) VALUES (?, ?, ?)")) {
            ps.setObject(1, org);
            ps.setString(2, "Writer test " + org);
            ps.setString(3, org + "@writer.test");
            ps.executeUpdate();
            c.commit();
        }
        return org;
    }

    private static String newPhone() {
        return "+1415555" + String.format("%04d", PHONES.incrementAndGet());
    }

    private static String writtenBy(UUID org, String phone) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT written_by FROM org_credentials WHERE org_id = ? AND phone_number = ?")) {
            ps.setObject(1, org);
            ps.setString(2, phone);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("SSOT row of %s", phone).isTrue();
                String writer = rs.getString(1);
                c.rollback();
                return writer;
            }
        }
    }
}

package com.voxanne.ssot.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

class TestDatabaseTest {
    private final TestStack stack = TestStack.get();

    @Test
    void shouldLeaveNoReplicationSlotAndNoDatabaseWhenClosed() throws SQLException {
        // given a test database with a logical replication slot
        TestDatabase db = stack.newDatabase("slots_idle");
        String slot = "idle_" + db.name();
        createLogicalSlot(db, slot);
        assertThat(stack.replicationSlots(db.name())).containsExactly(slot);

        // when it is closed
        db.close();

        // then neither the slot nor the database is left
        assertThat(stack.replicationSlots(db.name())).isEmpty();
        assertThat(stack.databaseExists(db.name())).isFalse();
    }

    @Test
    void shouldTerminateAnActiveWalSenderAndDropItsSlotWhenClosed() throws SQLException {
        // given a slot that a logical replication connection is streaming from
        TestDatabase db = stack.newDatabase("slots_active");
        String slot = "active_" + db.name();
        createLogicalSlot(db, slot);
        try (Connection replication = replicationConnection(db)) {
            PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream().logical()
                    .withSlotName(slot)
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", TestStack.PUBLICATION)
                    .start();
            await().atMost(Duration.ofSeconds(30)).until(() -> slotIsActive(slot));
            assertThat(stream.isClosed()).isFalse();

            // when the database is closed
            db.close();

            // then the slot and the database are gone
            assertThat(stack.replicationSlots(db.name())).isEmpty();
            assertThat(stack.databaseExists(db.name())).isFalse();
        }
    }

    private static void createLogicalSlot(TestDatabase db, String slot) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
            c.commit();
        }
    }

    private boolean slotIsActive(String slot) throws SQLException {
        try (Connection c = stack.adminConnection();
                PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static Connection replicationConnection(TestDatabase db) throws SQLException {
        Properties props = new Properties();
        PGProperty.USER.set(props, db.user());
        db.password().ifPresent(p -> PGProperty.PASSWORD.set(props, p.reveal()));
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        return DriverManager.getConnection(db.jdbcUrl(), props);
    }
}

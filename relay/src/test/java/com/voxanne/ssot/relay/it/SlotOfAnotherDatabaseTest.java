package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.relay.RelayStartException;
import com.voxanne.ssot.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/**
 * Replication slots are server-wide: two deployments on one PostgreSQL that use the same RELAY_SLOT_NAME must get a
 * configuration error naming the slot, its database and the setting, once, not a relay restarting forever.
 */
class SlotOfAnotherDatabaseTest {

    @Test
    void shouldRefuseToStartWithAConfigurationErrorWhenTheSlotNameBelongsToAnotherDatabase() throws Exception {
        try (RelayFixture f = new RelayFixture("slot_taken");
             TestDatabase other = f.stack.newDatabase("relay_other_deployment")) {
            f.expectSlot = false;
            // given another deployment's relay slot of the same name, in another database on the same server
            try (Connection c = other.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, f.slot);
                ps.execute();
                c.commit();
            }
            try {
                // when this deployment's relay starts with that RELAY_SLOT_NAME
                RelayService relay = f.newRelay();

                // then it refuses at once, naming the slot, the database that owns it and the setting
                assertThatThrownBy(relay::start).isInstanceOf(RelayStartException.class)
                        .hasMessageContaining("RELAY_SLOT_NAME")
                        .hasMessageContaining("'" + f.slot + "'")
                        .hasMessageContaining("database '" + other.name() + "'");
                ComponentHealth health = relay.health();
                assertThat(health.status()).isEqualTo(ComponentHealth.Status.DOWN);
                assertThat(health.toString()).contains("RELAY_SLOT_NAME", other.name());
                // and the other deployment's slot is untouched
                assertThat(slotDatabase(other, f.slot)).isEqualTo(other.name());
            } finally {
                try (Connection c = other.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(?)")) {
                    ps.setString(1, f.slot);
                    ps.execute();
                    c.commit();
                }
            }
        }
    }

    private static String slotDatabase(TestDatabase db, String slot) throws Exception {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT database FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                String database = rs.next() ? rs.getString(1) : null;
                c.rollback();
                return database;
            }
        }
    }
}

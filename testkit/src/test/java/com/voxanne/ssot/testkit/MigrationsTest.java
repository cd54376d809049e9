package com.voxanne.ssot.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.db.Migrations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

class MigrationsTest {
    private static final List<String> TABLES =
            List.of("organizations", "managed_phone_numbers", "org_credentials", "outbox", "provisioning_requests");

    private final TestStack stack = TestStack.get();

    @Test
    void shouldCreateTablesPublicationAndFullReplicaIdentityOnAFreshDatabase() throws SQLException {
        // given an empty database
        try (TestDatabase db = stack.newEmptyDatabase("migrations_fresh")) {
            // when the migrations are applied
            MigrateResult result = Migrations.apply(db.dataSource());

            // then the tables, the relay's publication and full replica identity exist
            assertThat(result.migrationsExecuted).isPositive();
            try (Connection c = db.dataSource().getConnection()) {
                assertThat(strings(c, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).containsAll(TABLES);
                assertThat(strings(c, "SELECT pubname FROM pg_publication")).contains(TestStack.PUBLICATION);
                assertThat(strings(c, "SELECT tablename FROM pg_publication_tables WHERE pubname = '" + TestStack.PUBLICATION + "'"))
                        .containsExactlyInAnyOrder("outbox", "managed_phone_numbers", "org_credentials");
                assertThat(replicaIdentities(c))
                        .containsEntry("managed_phone_numbers", "f")
                        .containsEntry("org_credentials", "f");
                c.rollback();
            }
        }
    }

    @Test
    void shouldChangeNothingWhenAppliedASecondTime() throws SQLException {
        // given a migrated database
        try (TestDatabase db = stack.newEmptyDatabase("migrations_twice")) {
            MigrateResult first = Migrations.apply(db.dataSource());
            List<String> historyAfterFirst;
            try (Connection c = db.dataSource().getConnection()) {
                historyAfterFirst = strings(c, "SELECT version || ':' || checksum FROM flyway_schema_history ORDER BY installed_rank");
                c.rollback();
            }

            // when they are applied again
            MigrateResult second = Migrations.apply(db.dataSource());

            // then nothing ran and the history is unchanged
            assertThat(first.migrationsExecuted).isPositive();
            assertThat(second.migrationsExecuted).isZero();
            try (Connection c = db.dataSource().getConnection()) {
                assertThat(strings(c, "SELECT version || ':' || checksum FROM flyway_schema_history ORDER BY installed_rank"))
                        .isEqualTo(historyAfterFirst);
                c.rollback();
            }
        }
    }

    @Test
    void shouldHandOutNewDatabasesThatAreFullyMigrated() throws SQLException {
        // given a database from the test stack's migrated template
        try (TestDatabase db = stack.newDatabase("migrations_template")) {
            // when the migrations are applied to it
            MigrateResult result = Migrations.apply(db.dataSource());

            // then there was nothing left to apply, and the schema and publication are there
            assertThat(result.migrationsExecuted).isZero();
            try (Connection c = db.dataSource().getConnection()) {
                assertThat(strings(c, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).containsAll(TABLES);
                assertThat(strings(c, "SELECT pubname FROM pg_publication")).contains(TestStack.PUBLICATION);
                c.rollback();
            }
        }
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            List<String> values = new java.util.ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }

    private static Map<String, String> replicaIdentities(Connection c) throws SQLException {
        Map<String, String> identities = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT relname, relreplident::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                identities.put(rs.getString(1), rs.getString(2));
            }
        }
        return identities;
    }
}

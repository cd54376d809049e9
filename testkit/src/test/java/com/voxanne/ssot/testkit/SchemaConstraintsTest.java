package com.voxanne.ssot.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchemaConstraintsTest {
    private static final String NOT_NULL = "23502";
    private static final String UNIQUE = "23505";
    private static final String CHECK = "23514";

    private static final String ORG = "0b6f5d1e-1111-4a4a-9c9c-000000000001";
    private static final String SEEDED_PHONE = "+14155550100";
    private static final String SEEDED_REQUEST = "req-seeded";
    private static final String SEEDED_EMAIL = "clinic@demo.com";
    private static final String SID = "PN0123456789abcdef0123456789abcdef";

    private TestDatabase db;

    /** One rejected write: the SQL, and what PostgreSQL must say about it. Column is checked where there is no constraint name. */
    record Violation(String description, String sql, String sqlState, String table, String constraint, String column) {
        @Override
        public String toString() {
            return description;
        }
    }

    @BeforeAll
    void createDatabaseWithSeededRows() throws SQLException {
        db = TestStack.get().newDatabase("constraints");
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO organizations (id, name, email) VALUES ('" + ORG + "', 'Demo Clinic', '" + SEEDED_EMAIL + "')");
            s.executeUpdate(managed(SEEDED_PHONE, SID, "'vapi-seeded'", "active", "'" + SEEDED_REQUEST + "'"));
            s.executeUpdate(credential(SEEDED_PHONE, "twilio"));
            c.commit();
        }
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }

    static Stream<Violation> violations() {
        return Stream.of(
                new Violation("managed_phone_numbers.vapi_phone_id NULL",
                        managed("+14155550101", SID, "NULL", "active", "'req-1'"), NOT_NULL, "managed_phone_numbers", null, "vapi_phone_id"),
                new Violation("managed_phone_numbers.vapi_phone_id empty",
                        managed("+14155550101", SID, "''", "active", "'req-1'"), CHECK, "managed_phone_numbers",
                        "managed_phone_numbers_vapi_phone_id_not_blank", null),
                new Violation("managed_phone_numbers.vapi_phone_id blank",
                        managed("+14155550101", SID, "'   '", "active", "'req-1'"), CHECK, "managed_phone_numbers",
                        "managed_phone_numbers_vapi_phone_id_not_blank", null),
                new Violation("managed_phone_numbers.phone_number without +",
                        managed("4155550100", SID, "'vapi-1'", "active", "'req-1'"), CHECK, "managed_phone_numbers",
                        "managed_phone_numbers_phone_e164", null),
                new Violation("managed_phone_numbers.phone_number +0123",
                        managed("+0123", SID, "'vapi-1'", "active", "'req-1'"), CHECK, "managed_phone_numbers",
                        "managed_phone_numbers_phone_e164", null),
                new Violation("managed_phone_numbers.twilio_sid too short",
                        managed("+14155550101", "PN123", "'vapi-1'", "active", "'req-1'"), CHECK, "managed_phone_numbers",
                        "managed_phone_numbers_twilio_sid_format", null),
                new Violation("managed_phone_numbers.twilio_sid not PN",
                        managed("+14155550101", "PX0123456789abcdef0123456789abcdef", "'vapi-1'", "active", "'req-1'"), CHECK,
                        "managed_phone_numbers", "managed_phone_numbers_twilio_sid_format", null),
                new Violation("managed_phone_numbers duplicate request_id",
                        managed("+14155550101", SID, "'vapi-1'", "active", "'" + SEEDED_REQUEST + "'"), UNIQUE, "managed_phone_numbers",
                        "managed_phone_numbers_request_id_key", null),
                new Violation("managed_phone_numbers two active rows for one phone",
                        managed(SEEDED_PHONE, SID, "'vapi-2'", "active", "'req-2'"), UNIQUE, "managed_phone_numbers",
                        "managed_phone_numbers_active_phone_key", null),
                new Violation("managed_phone_numbers bad status",
                        managed("+14155550101", SID, "'vapi-1'", "deleted", "'req-1'"), CHECK, "managed_phone_numbers",
                        "managed_phone_numbers_status", null),
                new Violation("org_credentials duplicate (org_id, provider, phone_number)",
                        credential(SEEDED_PHONE, "twilio"), UNIQUE, "org_credentials", "org_credentials_org_provider_phone_key", null),
                new Violation("org_credentials bad provider",
                        credential("+14155550101", "vonage"), CHECK, "org_credentials", "org_credentials_provider", null),
                new Violation("org_credentials phone not E.164",
                        credential("4155550101", "twilio"), CHECK, "org_credentials", "org_credentials_phone_e164", null),
                new Violation("organizations duplicate email",
                        organization(SEEDED_EMAIL), UNIQUE, "organizations", "organizations_email_key", null),
                new Violation("organizations upper-case email",
                        organization("Voxanne@Demo.com"), CHECK, "organizations", "organizations_email_lowercase", null),
                new Violation("provisioning_requests bad state",
                        "INSERT INTO provisioning_requests (request_id, org_id, state) VALUES ('req-9', '" + ORG + "', 'DONE')", CHECK,
                        "provisioning_requests", "provisioning_requests_state", null),
                new Violation("provisioning_requests two unfinished sagas holding one number",
                        "INSERT INTO provisioning_requests (request_id, org_id, state, phone_number) VALUES"
                                + " ('req-a', '" + ORG + "', 'PURCHASED', '+14155550199'),"
                                + " ('req-b', '" + ORG + "', 'NUMBER_CHOSEN', '+14155550199')", UNIQUE,
                        "provisioning_requests", "provisioning_requests_inflight_phone_key", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("violations")
    void shouldRejectRowThatViolatesConstraint(Violation violation) throws SQLException {
        // given the seeded organisation, number and credential
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            // when the violating row is written
            Throwable thrown = catchThrowable(() -> s.executeUpdate(violation.sql()));
            c.rollback();

            // then PostgreSQL rejects it, naming the constraint (or the column, for NOT NULL)
            assertThat(thrown).isInstanceOf(PSQLException.class);
            PSQLException error = (PSQLException) thrown;
            ServerErrorMessage server = error.getServerErrorMessage();
            assertThat(error.getSQLState()).as("SQLState of %s", violation).isEqualTo(violation.sqlState());
            assertThat(server).isNotNull();
            assertThat(server.getTable()).isEqualTo(violation.table());
            if (violation.constraint() != null) {
                assertThat(server.getConstraint()).isEqualTo(violation.constraint());
            }
            if (violation.column() != null) {
                assertThat(server.getColumn()).isEqualTo(violation.column());
            }
        }
    }

    @Test
    void shouldAcceptValidRowsIncludingAReleasedRowForAnActivePhone() throws SQLException {
        // given the seeded rows (the same values the violations above change one at a time)
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            // when valid rows are written, one of them a released row for the seeded active phone
            int written = s.executeUpdate(managed("+14155550101", SID, "'vapi-1'", "active", "'req-1'"))
                    + s.executeUpdate("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, status,"
                            + " request_id, provisioned_at, released_at) VALUES (gen_random_uuid(), '" + ORG + "', '" + SEEDED_PHONE
                            + "', '" + SID + "', 'vapi-old', 'released', 'req-old', now(), now())")
                    + s.executeUpdate(credential("+14155550101", "twilio"))
                    + s.executeUpdate(organization("other@demo.com"))
                    + s.executeUpdate("INSERT INTO provisioning_requests (request_id, org_id, state) VALUES ('req-9', '" + ORG + "', 'RECEIVED')")
                    // a finished saga's number may be held again by a new one (released, then bought again)
                    + s.executeUpdate("INSERT INTO provisioning_requests (request_id, org_id, state, phone_number) VALUES"
                            + " ('req-c', '" + ORG + "', 'FAILED', '+14155550198'), ('req-d', '" + ORG + "', 'NUMBER_CHOSEN', '+14155550198')");
            c.rollback();

            // then every one was accepted
            assertThat(written).isEqualTo(7);
        }
    }

    private static String managed(String phone, String sid, String vapiLiteral, String status, String requestLiteral) {
        return "INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, status, request_id, provisioned_at)"
                + " VALUES (gen_random_uuid(), '" + ORG + "', '" + phone + "', '" + sid + "', " + vapiLiteral + ", '" + status + "', "
                + requestLiteral + ", now())";
    }

    private static String credential(String phone, String provider) {
        return "INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed)"
                + " VALUES ('" + ORG + "', '" + provider + "', '" + phone + "', 'vapi-1', '" + SID + "', true)";
    }

    private static String organization(String email) {
        return "INSERT INTO organizations (id, name, email) VALUES (gen_random_uuid(), 'Other Clinic', '" + email + "')";
    }
}

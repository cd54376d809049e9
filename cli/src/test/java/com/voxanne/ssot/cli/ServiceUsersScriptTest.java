package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/postgres/service-users.sql} (what docker-compose's {@code service-users} runs, and what the README tells
 * operators of their own PostgreSQL to run) creates one LOGIN user per service in its role, from passwords in the
 * environment, idempotently, and refuses to run without one. Run with the real psql against the real test PostgreSQL.
 */
class ServiceUsersScriptTest {
    private static final Path SCRIPT = Path.of("..", "deploy", "postgres", "service-users.sql").toAbsolutePath().normalize();
    private static final List<String> SERVICES = List.of("RELAY", "PROVISIONER", "PROJECTOR", "READER");

    @Test
    void shouldCreateOneLoginUserPerServiceInItsRoleIdempotentlyFromTheEnvironment() throws Exception {
        try (TestDatabase db = TestStack.get().newDatabase("service_users")) {
            Map<String, String> env = usersAndPasswords();
            try {
                // when the script runs twice (the second time as a password rotation would)
                ToolRun first = psql(db, env);
                env.put("READER_DATABASE_PASSWORD", randomSecret());
                ToolRun second = psql(db, env);

                // then both succeed, each user can log in, is in its role only, and only the relay's user may replicate
                assertThat(first.exit()).as(first.output()).isZero();
                assertThat(second.exit()).as(second.output()).isZero();
                for (String service : SERVICES) {
                    String user = env.get(service + "_DATABASE_USER");
                    String role = "ssot_" + service.toLowerCase();
                    assertThat(roleFacts(db, user)).as(user).isEqualTo(Map.of("login", true, "replication",
                            service.equals("RELAY"), "superuser", false, "member of " + role, true,
                            "member of another service role", false));
                }
                assertThat(first.output() + second.output()).as("no password echoed")
                        .doesNotContain(env.get("RELAY_DATABASE_PASSWORD"), env.get("READER_DATABASE_PASSWORD"));
            } finally {
                dropUsers(env);
            }
        }
    }

    @Test
    void shouldRefuseToCreateAUserWithoutItsPasswordNamingTheVariable() throws Exception {
        try (TestDatabase db = TestStack.get().newDatabase("service_users_nopw")) {
            Map<String, String> env = usersAndPasswords();
            env.remove("PROJECTOR_DATABASE_PASSWORD");
            try {
                ToolRun r = psql(db, env);

                assertThat(r.exit()).isNotZero();
                assertThat(r.output()).contains("PROJECTOR_DATABASE_PASSWORD is not set");
                assertThat(roleExists(env.get("RELAY_DATABASE_USER"))).as("nothing created").isFalse();
            } finally {
                dropUsers(env);
            }
        }
    }

    /** A user name of this run and a random password per service, as the script's variables. */
    private static Map<String, String> usersAndPasswords() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>();
        for (String service : SERVICES) {
            env.put(service + "_DATABASE_USER", "t_" + service.toLowerCase() + "_" + tag);
            env.put(service + "_DATABASE_PASSWORD", randomSecret());
        }
        return env;
    }

    private static ToolRun psql(TestDatabase db, Map<String, String> env) throws IOException, InterruptedException {
        URI where = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", where.getHost(),
                "-p", Integer.toString(where.getPort()), "-U", db.user(), "-d", db.name(), "-f", SCRIPT.toString());
        pb.environment().keySet().removeIf(k -> k.endsWith("_DATABASE_USER") || k.endsWith("_DATABASE_PASSWORD"));
        pb.environment().putAll(env);
        db.password().ifPresent(p -> pb.environment().put("PGPASSWORD", p.reveal()));
        return ToolRun.of(pb, "postgresql-client (psql 15 or newer)");
    }

    private static Map<String, Boolean> roleFacts(TestDatabase db, String user) throws SQLException {
        String sql = "SELECT r.rolcanlogin, r.rolreplication, r.rolsuper,"
                + " (SELECT array_agg(g.rolname::text) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                + "   WHERE m.member = r.oid) AS groups"
                + " FROM pg_roles r WHERE r.rolname = ?";
        try (Connection c = db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, user);
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).as("user %s exists", user).isTrue();
                List<String> groups = List.of((String[]) rs.getArray("groups").getArray());
                String own = "ssot_" + user.split("_")[1];
                return Map.of("login", rs.getBoolean(1), "replication", rs.getBoolean(2), "superuser", rs.getBoolean(3),
                        "member of " + own, groups.contains(own),
                        "member of another service role", groups.stream().anyMatch(g -> g.startsWith("ssot_") && !g.equals(own)));
            }
        }
    }

    private static boolean roleExists(String user) throws SQLException {
        try (Connection c = TestStack.get().adminConnection();
             PreparedStatement st = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            st.setString(1, user);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void dropUsers(Map<String, String> env) throws SQLException {
        try (Connection c = TestStack.get().adminConnection(); Statement st = c.createStatement()) {
            for (String service : SERVICES) {
                st.execute("DROP ROLE IF EXISTS " + env.get(service + "_DATABASE_USER"));
            }
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.embedded.OwnerWatchdog;
import com.voxanne.ssot.embedded.RegistryDistribution;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/postgres/registry-database.sql} (what docker-compose's {@code registry-database} runs) creates the schema
 * registry's own LOGIN user and database, idempotently, from a password in the environment, and refuses to run without
 * it; and the real Apicurio Registry 3.0.9 (the same application as the compose's image), configured with exactly the
 * compose file's {@code APICURIO_*} variables, keeps its schemas in that database. Run with the real psql against the
 * real test PostgreSQL (which trusts loopback connections: the password itself is not checked here).
 */
class RegistryDatabaseScriptTest {
    private static final Path SCRIPT = Path.of("..", "deploy", "postgres", "registry-database.sql").toAbsolutePath().normalize();
    private static final Duration GENEROUS = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void shouldCreateTheRegistrysOwnUserAndDatabaseWhereApicurioKeepsItsSchemas() throws Exception {
        try (TestDatabase db = TestStack.get().newEmptyDatabase("registry_script")) {
            Map<String, String> env = userDatabaseAndPassword();
            String user = env.get("REGISTRY_DATABASE_USER");
            String database = env.get("REGISTRY_DATABASE_NAME");
            try {
                // when the script runs twice (the second time as a password rotation would)
                ToolRun first = psql(db, env);
                env.put("REGISTRY_DATABASE_PASSWORD", randomSecret());
                ToolRun second = psql(db, env);

                // then both succeed; the user logs in and can do nothing else, owns its database, which nobody else may open
                assertThat(first.exit()).as(first.output()).isZero();
                assertThat(second.exit()).as(second.output()).isZero();
                assertThat(first.output() + second.output()).as("no password echoed").doesNotContain(env.get("REGISTRY_DATABASE_PASSWORD"));
                assertThat(facts(db, user, database)).isEqualTo(Map.of("login", true, "superuser", false, "createdb", false,
                        "createrole", false, "replication", false, "owns the database", true, "PUBLIC may connect", false));

                // when Apicurio starts with the compose file's settings, pointed at that database as that user
                String registered;
                Apicurio registry = startApicurio(db, user, env.get("REGISTRY_DATABASE_PASSWORD"), database);
                try {
                    String url = "http://127.0.0.1:" + registry.port() + "/apis/ccompat/v7";
                    await("Apicurio on PostgreSQL answers").atMost(GENEROUS).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                            .failFast("Apicurio exited; see " + dir.resolve("apicurio.log"), () -> !registry.process().isAlive())
                            .until(() -> get(url + "/subjects").statusCode() == 200);
                    registered = register(url, "compose-value").body();
                    assertThat(registered).matches("\\{\"id\":\\d+}");
                } finally {
                    stop(registry.process());
                }

                // then its tables and the schema are in the registry's database, owned by its user
                try (Connection c = connect(db, database); Statement s = c.createStatement()) {
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = '"
                            + user + "'")) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("Apicurio's tables, owned by " + user).isPositive();
                    }
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM versions")) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("the registered version").isEqualTo(1);
                    }
                }
            } finally {
                dropDatabaseAndUser(database, user);
            }
        }
    }

    @Test
    void shouldRefuseToRunWithoutThePasswordNamingTheVariable() throws Exception {
        try (TestDatabase db = TestStack.get().newEmptyDatabase("registry_script_nopw")) {
            Map<String, String> env = userDatabaseAndPassword();
            env.remove("REGISTRY_DATABASE_PASSWORD");
            try {
                ToolRun r = psql(db, env);

                assertThat(r.exit()).isNotZero();
                assertThat(r.output()).contains("REGISTRY_DATABASE_PASSWORD is not set");
                try (Connection c = TestStack.get().adminConnection();
                        PreparedStatement st = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                    st.setString(1, env.get("REGISTRY_DATABASE_USER"));
                    try (ResultSet rs = st.executeQuery()) {
                        assertThat(rs.next()).as("nothing created").isFalse();
                    }
                }
            } finally {
                dropDatabaseAndUser(env.get("REGISTRY_DATABASE_NAME"), env.get("REGISTRY_DATABASE_USER"));
            }
        }
    }

    /** Apicurio from the local Maven repository, watched by {@link OwnerWatchdog} so it cannot outlive this JVM. */
    private Apicurio startApicurio(TestDatabase db, String user, String password, String database) throws IOException {
        Path runner = RegistryDistribution.fromEnvironment().prepare();
        String mainClass;
        try (JarFile jar = new JarFile(runner.toFile())) {
            mainClass = jar.getManifest().getMainAttributes().getValue("Main-Class");
        }
        String watchdog;
        try {
            watchdog = Path.of(OwnerWatchdog.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        URI where = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", watchdog + File.pathSeparator + runner, OwnerWatchdog.class.getName(),
                Long.toString(ProcessHandle.current().pid()), mainClass)
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("apicurio.log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("APICURIO_") || k.startsWith("QUARKUS_"));
        // the compose file's settings for the apicurio-registry service, pointed at this PostgreSQL
        env.put("APICURIO_STORAGE_KIND", "sql");
        env.put("APICURIO_STORAGE_SQL_KIND", "postgresql");
        env.put("APICURIO_DATASOURCE_URL", "jdbc:postgresql://" + where.getHost() + ":" + where.getPort() + "/" + database);
        env.put("APICURIO_DATASOURCE_USERNAME", user);
        env.put("APICURIO_DATASOURCE_PASSWORD", password);
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        return new Apicurio(pb.start(), port);
    }

    private record Apicurio(Process process, int port) {
    }

    private static void stop(Process registry) throws InterruptedException {
        registry.destroy();
        if (!registry.waitFor(30, TimeUnit.SECONDS)) {
            registry.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private ToolRun psql(TestDatabase db, Map<String, String> env) throws IOException, InterruptedException {
        URI where = URI.create(db.jdbcUrl().substring("jdbc:".length()));
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", where.getHost(),
                "-p", Integer.toString(where.getPort()), "-U", db.user(), "-d", db.name(), "-f", SCRIPT.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_DATABASE_"));
        pb.environment().putAll(env);
        db.password().ifPresent(p -> pb.environment().put("PGPASSWORD", p.reveal()));
        return ToolRun.of(pb, "postgresql-client (psql 15 or newer)");
    }

    private static Map<String, Boolean> facts(TestDatabase db, String user, String database) throws SQLException {
        String sql = "SELECT r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication,"
                + " d.datdba = r.oid AS owns,"
                + " EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') AS public_connect"
                + " FROM pg_roles r, pg_database d WHERE r.rolname = ? AND d.datname = ?";
        try (Connection c = db.dataSource().getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, user);
            st.setString(2, database);
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).as("user %s and database %s exist", user, database).isTrue();
                Map<String, Boolean> facts = Map.of("login", rs.getBoolean(1), "superuser", rs.getBoolean(2), "createdb", rs.getBoolean(3),
                        "createrole", rs.getBoolean(4), "replication", rs.getBoolean(5), "owns the database", rs.getBoolean(6),
                        "PUBLIC may connect", rs.getBoolean(7));
                c.rollback();
                return facts;
            }
        }
    }

    private static Connection connect(TestDatabase db, String database) throws SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", db.user());
        db.password().ifPresent(p -> props.setProperty("password", p.reveal()));
        return java.sql.DriverManager.getConnection(TestStack.get().jdbcUrl(database), props);
    }

    private static void dropDatabaseAndUser(String database, String user) throws SQLException {
        try (Connection c = TestStack.get().adminConnection(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            st.execute("DROP ROLE IF EXISTS " + user);
        }
    }

    private static Map<String, String> userDatabaseAndPassword() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>();
        env.put("REGISTRY_DATABASE_USER", "t_registry_" + tag);
        env.put("REGISTRY_DATABASE_NAME", "t_registry_db_" + tag);
        env.put("REGISTRY_DATABASE_PASSWORD", randomSecret());
        return env;
    }

    private static HttpResponse<String> register(String url, String subject) throws IOException, InterruptedException {
        String schema = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Compose\\\",\\\"fields\\\":[{\\\"name\\\":\\\"v\\\",\\\"type\\\":\\\"string\\\"}]}";
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"" + schema + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String randomSecret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.cli.runtime.DemoStory;
import com.voxanne.ssot.embedded.EmbeddedStack;
import com.voxanne.ssot.embedded.ServerTls;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline over TLS: its own embedded broker with ONLY SSL listeners and its own PostgreSQL with
 * {@code ssl=on} and TLS-only access, certificates made by {@code scripts/make-certs.sh}, and the pipeline configured
 * as a user would configure it against their own infrastructure ({@code KAFKA_SECURITY_PROTOCOL=SSL},
 * {@code DATABASE_URL=...?sslmode=verify-full&sslrootcert=...}). Plaintext clients and clients that trust another CA
 * are refused by both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineOverTlsTest {
    private static final Path MAKE_CERTS = Path.of("..", "scripts", "make-certs.sh").toAbsolutePath().normalize();
    private static final String DATABASE = "ssot";
    private static final String SLOT = "ssot_tls_test";

    @TempDir
    static Path dir;

    private static final List<Path> LOGS = List.of(Path.of("target", "testkit-tests.log"), Path.of("target", "testkit-stack.log"));

    private Path certs;
    private ServerTls tls;
    private Path otherCa;
    private EmbeddedStack stack;
    private Pipeline pipeline;
    private final Closer closer = new Closer("PipelineOverTlsTest");

    @BeforeAll
    void startStackAndPipelineOverTls() throws Exception {
        certs = makeCertificates(dir.resolve("certs"));
        otherCa = makeCertificates(dir.resolve("other-ca")).resolve("ca.crt");
        tls = ServerTls.fromDirectory(certs);
        stack = closer.register("close the TLS stack", EmbeddedStack.builder(dir.resolve("embedded")).tls(tls).start());
        closer.onClose("drop the relay's slot", () -> RelayService.dropSlot(
                new DatabaseSettings(stack.jdbcUrl(DATABASE), stack.postgres().user(), Optional.empty()), SLOT));
        stack.postgres().createDatabase(DATABASE);

        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("KAFKA_SECURITY_PROTOCOL", "SSL");
        // a PKCS12 truststore with a password (the stack's own clients use the PEM CA): its password must never be printed
        env.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12");
        env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", certs.resolve("truststore.p12").toString());
        env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", Files.readString(certs.resolve("truststore.p12.password")).strip());
        env.put("DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + stack.postgres().port() + "/" + DATABASE
                + "?sslmode=verify-full&sslrootcert=" + tls.caCertificate());
        env.put("DATABASE_USER", stack.postgres().user());
        env.put("SSOT_DATA_DIR", dir.resolve("ssot").toString());
        env.put("SSOT_HTTP_PORT", "0");
        env.put("SSOT_GRACE", "3s");
        env.put("RELAY_SLOT_NAME", SLOT);
        Pipeline.setup(ConfigSource.of(env), line -> { }); // ./ssot setup over TLS: migrations and topics
        pipeline = closer.register("close the pipeline", Pipeline.start(ConfigSource.of(env), Pipeline.Options.all(), line -> { }));
        if (!pipeline.awaitHealthy(Duration.ofSeconds(90))) {
            throw new AssertionError("pipeline over TLS not healthy: " + pipeline.health().snapshot());
        }
        DemoSeed.apply(pipeline.dataSource());
    }

    /** The pipeline, then the slot, then the servers (reverse of start); every step runs, the first failure is thrown. */
    @AfterAll
    void stopEverything() {
        closer.close();
    }

    @Test
    @Order(1)
    void shouldProvisionProjectAndReconcileEndToEndOverTls() throws Exception {
        // given the pipeline running against TLS-only Kafka and PostgreSQL
        ByteArrayOutputStream narration = new ByteArrayOutputStream();

        // when the whole story runs: provision through Kafka, relay through CDC, project, lose a write, reconcile, backfill
        DemoStory.Outcome story = new DemoStory(pipeline.context(), pipeline.dataSource(),
                new PrintStream(narration, true, StandardCharsets.UTF_8), Duration.ofSeconds(60)).run();

        // then every part did its job over the encrypted connections
        assertThat(story.provisioned()).hasSize(3).extracting(ProvisioningResult::getPhoneNumber).doesNotHaveDuplicates();
        assertThat(story.compliantBefore()).as("projector wrote the SSOT rows").isTrue();
        assertThat(story.opened().getState()).as("reconciler (Kafka Streams) opened the violation").isEqualTo(ViolationState.OPEN);
        assertThat(story.backfill().inserted()).isEqualTo(1);
        assertThat(story.resolved().getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(story.compliantAfter()).isTrue();
        assertThat(count("SELECT count(*) FROM managed_phone_numbers")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM org_credentials WHERE is_managed")).isEqualTo(3);
    }

    @Test
    @Order(2)
    void shouldConnectEveryDatabaseClientIncludingTheRelaysReplicationOverTls() throws Exception {
        // when we list the pipeline's TCP connections to PostgreSQL (this test's own is one of them)
        List<String> connections = new ArrayList<>();
        int plaintext = 0;
        int walsenders = 0;
        try (Connection c = connect(stack.jdbcUrl(DATABASE)); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT a.backend_type, a.application_name, s.ssl, s.version FROM pg_stat_activity a"
                        + " JOIN pg_stat_ssl s USING (pid) WHERE a.client_addr IS NOT NULL")) {
            while (rs.next()) {
                connections.add(rs.getString(1) + "/" + rs.getString(2) + " ssl=" + rs.getBoolean(3) + " " + rs.getString(4));
                plaintext += rs.getBoolean(3) ? 0 : 1;
                walsenders += "walsender".equals(rs.getString(1)) ? 1 : 0;
            }
        }

        // then all use TLS, among them the relay's replication connection (Debezium's walsender) and the pools
        assertThat(plaintext).as("plaintext connections among %s", connections).isZero();
        assertThat(walsenders).as("the relay's replication connection among %s", connections).isGreaterThanOrEqualTo(1);
        assertThat(connections).hasSizeGreaterThan(walsenders + 1);
    }

    @Test
    @Order(3)
    void shouldListenForKafkaClientsOnlyOverTls() throws Exception {
        try (Admin admin = Admin.create(adminConfig(stack.kafkaClientProperties()))) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config config = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);

            assertThat(config.get("listener.security.protocol.map").value()).isEqualTo("SSL:SSL,CONTROLLER:SSL");
            assertThat(config.get("listeners").value()).startsWith("SSL://").doesNotContain("PLAINTEXT");
        }
    }

    @Test
    @Order(4)
    void shouldRefuseAPlaintextKafkaClient() {
        Map<String, String> plaintext = Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");

        try (Admin admin = Admin.create(adminConfig(plaintext))) {
            // the broker closes a connection that does not start with a TLS handshake: the client never gets an answer
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }
    }

    @Test
    @Order(5)
    void shouldRefuseToTalkToTheBrokerForAKafkaClientThatTrustsAnotherCa() {
        Map<String, String> otherTrust = new HashMap<>(stack.kafkaClientProperties());
        otherTrust.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, otherCa.toString());

        try (Admin admin = Admin.create(adminConfig(otherTrust))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    @Test
    @Order(6)
    void shouldRefuseAPlaintextDatabaseConnection() {
        String url = "jdbc:postgresql://127.0.0.1:" + stack.postgres().port() + "/" + DATABASE + "?sslmode=disable";

        assertThatThrownBy(() -> connect(url).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("no encryption")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28000"));
    }

    @Test
    @Order(7)
    void shouldRefuseToTalkToTheDatabaseForAClientThatTrustsAnotherCa() {
        String url = "jdbc:postgresql://127.0.0.1:" + stack.postgres().port() + "/" + DATABASE
                + "?sslmode=verify-full&sslrootcert=" + otherCa;

        assertThatThrownBy(() -> connect(url).close())
                .isInstanceOf(SQLException.class)
                .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class)
                .satisfies(e -> assertThat(causes(e)).anyMatch(SSLException.class::isInstance));
    }

    @Test
    @Order(8)
    void shouldNeverPrintTheKeystoreOrTruststorePasswords() throws Exception {
        // given the passwords the broker and the pipeline's clients were given
        List<String> passwords = List.of(Files.readString(tls.keystorePasswordFile()).strip(),
                Files.readString(certs.resolve("truststore.p12.password")).strip());

        // then no log line of this run (the services', the clients' config dumps, the broker's) holds one
        for (Path log : LOGS) {
            assertThat(log).exists();
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(text).as("%s mentions the TLS settings", log).contains("ssl.truststore.password");
            for (String password : passwords) {
                assertThat(text.contains(password)).as("a TLS password in %s", log).isFalse();
            }
        }
    }

    private Map<String, Object> adminConfig(Map<String, String> security) {
        Map<String, Object> conf = new HashMap<>(security);
        conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 6_000);
        conf.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return conf;
    }

    private Connection connect(String url) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", stack.postgres().user());
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(url, props);
    }

    private long count(String sql) throws SQLException {
        try (Connection c = pipeline.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) {
            all.add(t);
        }
        return all;
    }

    /** Runs the script users run; returns the directory it filled. */
    private static Path makeCertificates(Path target) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", MAKE_CERTS.toString(), target.toString())
                .directory(new File(MAKE_CERTS.getParent().toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("make-certs.sh finished").isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return target;
    }
}

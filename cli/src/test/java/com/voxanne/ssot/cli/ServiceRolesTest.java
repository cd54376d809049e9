package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.pipeline.Pipeline.Part;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.projector.store.OrgCredentialsUpsert;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.reconciler.audit.SsotAudit;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Least privilege, for real: each service runs as a LOGIN user that has only its role (what a deployment creates, see
 * the README), as its own {@code ./ssot run X} against a database set up by the owner. A number provisioned end to end
 * shows every legitimate write works; each write outside a role's job fails loudly with PostgreSQL's permission error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceRolesTest {
    private static final String PERMISSION_DENIED = "42501"; // SQLSTATE insufficient_privilege
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Map<Part, String> ROLE_OF = Map.of(Part.RELAY, "ssot_relay", Part.PROVISIONER, "ssot_provisioner",
            Part.PROJECTOR, "ssot_projector", Part.RECONCILER, "ssot_reader");

    @TempDir
    static Path dataDir;

    /** A LOGIN user made for this test; the password never leaves this JVM's memory. */
    private record User(String name, String password) {
        Connection connect(String url) throws SQLException {
            return DriverManager.getConnection(url, name, password);
        }
    }

    private TestDatabase db;
    private String suffix;
    private final Map<Part, User> users = new EnumMap<>(Part.class);
    private final Map<Part, Pipeline> running = new EnumMap<>(Part.class);

    @BeforeAll
    void startEachServiceAsItsOwnUser() throws Exception {
        db = TestStack.get().newDatabase("roles");
        suffix = TestPipeline.suffix("roles");
        Map<String, String> owner = TestPipeline.environment(db, suffix, dataDir.resolve("setup"));
        Pipeline.setup(ConfigSource.of(owner), line -> { }); // ./ssot setup, as the migrating owner
        DemoSeed.apply(db.dataSource());
        for (Part part : Part.values()) {
            users.put(part, createUser(part));
        }
        for (Part part : Part.values()) { // Part order: the relay first
            Map<String, String> env = new HashMap<>(owner);
            env.put("DATABASE_USER", users.get(part).name());
            env.put("DATABASE_PASSWORD", users.get(part).password());
            env.put("SSOT_DATA_DIR", dataDir.resolve(part.name().toLowerCase()).toString());
            Pipeline pipeline = Pipeline.start(ConfigSource.of(env), Pipeline.Options.only(part), line -> { });
            running.put(part, pipeline);
            assertThat(pipeline.awaitHealthy(START_TIMEOUT)).as("%s healthy as %s: %s", part, ROLE_OF.get(part),
                    pipeline.health().snapshot()).isTrue();
        }
    }

    @AfterAll
    void stopAndDropEverything() throws Exception {
        List<Part> reverse = new ArrayList<>(running.keySet());
        Collections.reverse(reverse);
        reverse.forEach(part -> running.get(part).close());
        try {
            if (db != null) {
                RelayService.dropSlot(new DatabaseSettings(db.jdbcUrl(), db.user(), db.password()), TestPipeline.slotName(suffix));
            }
        } finally {
            if (db != null) {
                db.close();
            }
            try (Connection c = TestStack.get().adminConnection(); Statement st = c.createStatement()) {
                for (User user : users.values()) {
                    st.execute("DROP ROLE IF EXISTS " + user.name());
                }
            }
        }
    }

    @Test
    void shouldProvisionEndToEndWithEveryServiceHoldingOnlyItsOwnRole() throws Exception {
        // given: the relay, provisioner, projector and reconciler each running as its own user (started above)
        Pipeline provisioner = running.get(Part.PROVISIONER);
        Topics topics = provisioner.context().config().topics();
        String requestId = "roles-" + UUID.randomUUID();

        // when an upstream asks for a number for Voxanne
        Optional<ProvisioningResult> result = ProvisionCommand.publishAndAwait(provisioner.context().kafka(), topics,
                ProvisionCommand.request(requestId, DemoSeed.VOXANNE_ID.toString(), "US", "415", null), Duration.ofSeconds(90));

        // then the provisioner recorded it (saga, managed number, outbox), the relay carried the event, and the projector
        // wrote the SSOT row: every write each role is for went through
        assertThat(result).as("a result for %s", requestId).isPresent();
        assertThat(result.get().getStatus()).as("result %s", result.get()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        String phone = result.get().getPhoneNumber();
        await("the SSOT row of " + phone + " written by the projector's user").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> ssotRowVapiId(phone), vapiId -> vapiId.equals(Optional.of(result.get().getVapiPhoneId())));
        assertThat(count("SELECT count(*) FROM managed_phone_numbers WHERE phone_number = '" + phone + "' AND status = 'active'"))
                .isEqualTo(1);
        // and the read commands work with the read-only role: the audit finds nothing missing, the saga is listed
        try (HikariDataSource reader = pool(users.get(Part.RECONCILER))) {
            assertThat(new SsotAudit(reader).findings()).isEmpty();
            assertThat(new SagaAdmin(reader, Duration.ofMinutes(2)).list(new SagaAdmin.Filter(Optional.of(
                    DemoSeed.VOXANNE_ID.toString()), Optional.empty(), Optional.empty()), 100))
                    .anySatisfy(saga -> assertThat(saga.requestId()).isEqualTo(requestId));
        }
    }

    @Test
    void shouldRefuseEveryWriteOutsideARolesJobWithAPermissionError() throws Exception {
        long managedBefore = count("SELECT count(*) FROM managed_phone_numbers");
        long ssotBefore = count("SELECT count(*) FROM org_credentials");
        NumberProvisioned event = NumberProvisioned.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setRequestId("intruder-" + UUID.randomUUID())
                .setOrgId(DemoSeed.VOXANNE_ID.toString()).setPhoneNumber("+14155550199")
                .setTwilioSid("PN" + "b".repeat(32)).setVapiPhoneId("vapi-intruder").setProvisionedAt(Instant.now()).build();
        Topics topics = running.get(Part.PROVISIONER).context().config().topics();

        // the projector's user: the provisioner's writes (managed numbers, its outbox event), with the provisioner's code
        assertDenied(Part.PROJECTOR, "managed_phone_numbers", c -> execute(c, "INSERT INTO managed_phone_numbers (id, org_id,"
                + " phone_number, twilio_sid, vapi_phone_id, request_id, provisioned_at) VALUES (gen_random_uuid(), '"
                + DemoSeed.VOXANNE_ID + "', '+14155550199', 'PN" + "c".repeat(32) + "', 'vapi-x', 'intruder', now())"));
        assertDenied(Part.PROJECTOR, "outbox", c -> new OutboxWriter(topics.numbersProvisioned()).write(c, event));
        assertDenied(Part.PROJECTOR, "provisioning_requests", c -> execute(c, "UPDATE provisioning_requests SET state = 'FAILED'"));
        // the provisioner's user: the SSOT write, with the projector's own upsert
        assertDenied(Part.PROVISIONER, "org_credentials", c -> new OrgCredentialsUpsert().upsertBatch(c, List.of(event)));
        // the relay's user: it only reads
        assertDenied(Part.RELAY, "org_credentials", c -> execute(c, "UPDATE org_credentials SET is_managed = false"));
        assertDenied(Part.RELAY, "outbox", c -> execute(c, "DELETE FROM outbox"));
        // the reconciler's and read commands' user: nothing at all, not even an operator's saga action
        assertDenied(Part.RECONCILER, "org_credentials", c -> execute(c, "DELETE FROM org_credentials"));
        assertDenied(Part.RECONCILER, "organizations", c -> execute(c, "INSERT INTO organizations (id, name, email)"
                + " VALUES (gen_random_uuid(), 'Intruder', 'intruder@example.com')"));
        try (HikariDataSource reader = pool(users.get(Part.RECONCILER))) {
            SagaAdmin readOnlyOperator = new SagaAdmin(reader, Duration.ofMinutes(2));
            assertThatThrownBy(() -> readOnlyOperator.resume("any-request", "intruder"))
                    .satisfies(e -> assertThat(permissionError(e)).as("a permission error in %s", e).isPresent()
                            .get().extracting(Throwable::getMessage).asString().contains("provisioning_requests"));
        }
        // and no service changes the schema: only the owner (./ssot setup) does
        for (Part part : Part.values()) {
            assertDenied(part, "schema public", c -> execute(c, "CREATE TABLE intruder (id int)"));
            assertDenied(part, "org_credentials", c -> execute(c, "ALTER TABLE org_credentials ADD COLUMN intruder int"));
        }

        assertThat(count("SELECT count(*) FROM managed_phone_numbers")).isEqualTo(managedBefore);
        assertThat(count("SELECT count(*) FROM org_credentials")).isEqualTo(ssotBefore);
    }

    @FunctionalInterface
    private interface Write {
        void run(Connection c) throws Exception;
    }

    /** {@code write}, as {@code part}'s user, fails with PostgreSQL's insufficient_privilege naming {@code object}. */
    private void assertDenied(Part part, String object, Write write) throws SQLException {
        try (Connection c = users.get(part).connect(db.jdbcUrl())) {
            ThrowingCallable attempt = () -> write.run(c);
            assertThatThrownBy(attempt).as("%s (%s) writing %s", part, ROLE_OF.get(part), object)
                    .satisfies(e -> assertThat(permissionError(e)).as("a permission error in %s", e).isPresent()
                            .get().extracting(Throwable::getMessage).asString().contains(object));
        }
    }

    private static Optional<SQLException> permissionError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && PERMISSION_DENIED.equals(sql.getSQLState())) {
                return Optional.of(sql);
            }
        }
        return Optional.empty();
    }

    private User createUser(Part part) throws SQLException {
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        User user = new User("t_" + part.name().toLowerCase() + "_" + suffix.replaceAll("[^a-z0-9_]", "_"),
                HexFormat.of().formatHex(secret));
        // REPLICATION is an attribute of the user itself: membership in ssot_relay does not pass it on
        String attributes = part == Part.RELAY ? "LOGIN REPLICATION" : "LOGIN";
        try (Connection c = TestStack.get().adminConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + user.name() + " " + attributes + " PASSWORD '" + user.password() + "' IN ROLE "
                    + ROLE_OF.get(part));
        }
        return user;
    }

    /** The pool a command run as {@code user} opens (the platform's, transactions as the services use them); close it. */
    private HikariDataSource pool(User user) {
        return new DatabaseSettings(db.jdbcUrl(), user.name(), Optional.of(Secret.of(user.password()))).pool("test-" + user.name(), 2);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private Optional<String> ssotRowVapiId(String phone) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement st = c.prepareStatement("SELECT vapi_phone_id FROM org_credentials WHERE phone_number = ? AND is_managed")) {
            st.setString(1, phone);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.cli.runtime.DemoStory;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import com.voxanne.ssot.schemas.avro.ViolationState;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the real embedded broker and PostgreSQL: provisioner -> outbox -> relay ->
 * projector -> SSOT, and the reconciler watching both change streams. One pipeline for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {
    private static final Duration GRACE = Duration.ofSeconds(3);

    @TempDir
    static Path dataDir;

    private TestDatabase db;
    private Pipeline pipeline;
    private String slot;
    private DemoStory.Outcome story;

    @BeforeAll
    void startPipeline() throws Exception {
        TestStack stack = TestStack.get();
        db = stack.newDatabase("e2e");
        DemoSeed.apply(db.dataSource());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        slot = "e2e_" + suffix;
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("DATABASE_URL", db.jdbcUrl());
        env.put("DATABASE_USER", db.user());
        db.password().ifPresent(p -> env.put("DATABASE_PASSWORD", p.reveal()));
        env.put("SSOT_DATA_DIR", dataDir.toString());
        env.put("SSOT_GRACE", GRACE.toSeconds() + "s");
        env.put("SSOT_HTTP_PORT", "0");
        env.put("RELAY_SLOT_NAME", slot);
        env.put("RELAY_OFFSETS_TOPIC", "e2e.relay.offsets." + suffix);
        env.put("RECONCILER_APPLICATION_ID", "e2e-reconciler-" + suffix);
        env.put("PROJECTOR_GROUP_ID", "e2e-projector-" + suffix);
        env.put("PROVISIONER_GROUP_ID", "e2e-provisioner-" + suffix);
        for (String variable : List.of("TOPIC_PROVISIONING_REQUESTS", "TOPIC_PROVISIONING_RESULTS", "TOPIC_NUMBERS_PROVISIONED",
                "TOPIC_VIOLATIONS", "TOPIC_CDC_MANAGED_NUMBERS", "TOPIC_CDC_ORG_CREDENTIALS")) {
            env.put(variable, "e2e." + variable.toLowerCase().replace('_', '.') + "." + suffix);
        }
        pipeline = Pipeline.start(ConfigSource.of(env), Pipeline.Options.all(), line -> { });
        assertThat(pipeline.awaitHealthy(Duration.ofSeconds(60))).as("pipeline healthy: %s", pipeline.health().snapshot()).isTrue();
    }

    @AfterAll
    void stopPipeline() throws Exception {
        try {
            if (pipeline != null) {
                pipeline.close();
            }
        } finally {
            if (db != null) {
                RelayService.dropSlot(new DatabaseSettings(db.jdbcUrl(), db.user(), db.password()), slot);
                db.close();
            }
        }
    }

    @Test
    @Order(1)
    void shouldProvisionLoseAnSsotWriteRaiseAViolationAndHealItByBackfill() throws Exception {
        ByteArrayOutputStream narration = new ByteArrayOutputStream();

        story = new DemoStory(pipeline.context(), pipeline.dataSource(), new PrintStream(narration, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(60)).run();

        assertThat(story.provisioned()).hasSize(3).extracting(ProvisioningResult::getPhoneNumber).doesNotHaveDuplicates();
        assertThat(story.compliantBefore()).isTrue();
        assertThat(story.opened().getState()).isEqualTo(ViolationState.OPEN);
        assertThat(story.opened().getKind()).isEqualTo(ViolationKind.MISSING_SSOT_ROW);
        assertThat(story.opened().getPhoneNumber()).isEqualTo(story.victimPhone());
        assertThat(Duration.between(story.opened().getMissingSince(), story.opened().getDetectedAt())).isGreaterThanOrEqualTo(GRACE);
        assertThat(story.violationSeenByCheck()).isTrue();
        assertThat(story.backfill().inserted()).isEqualTo(1);
        assertThat(story.resolved().getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(story.compliantAfter()).isTrue();
        assertThat(narration.toString(StandardCharsets.UTF_8)).contains("Step 6/6").contains("COMPLIANT");
        assertThat(countRows("SELECT count(*) FROM managed_phone_numbers")).isEqualTo(3);
        assertThat(countRows("SELECT count(*) FROM org_credentials WHERE is_managed")).isEqualTo(3);
        assertThat(pipeline.providers().orElseThrow().twilio().ownedNumbers()).hasSize(3);
    }

    @Test
    @Order(2)
    void shouldShowANewViolationOnTheStatusPageInARealBrowser() throws Exception {
        String statusUrl = pipeline.whereabouts().get("STATUS_URL");
        String before = violationsTable(dumpDom(statusUrl));
        assertThat(before).contains("<tbody>").doesNotContain("class=\"violation\"");
        String phone = story.provisioned().get(2).getPhoneNumber();
        String org = story.provisioned().get(2).getOrgId();

        execute("DELETE FROM org_credentials WHERE org_id = '" + org + "'::uuid AND phone_number = '" + phone + "'");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(violationsJson(statusUrl)).contains(phone));
        String after = violationsTable(dumpDom(statusUrl));
        assertThat(after).contains("class=\"violation\"").contains(phone).contains("MISSING_SSOT_ROW");
    }

    /** The rendered open-violations table only (the page's script also mentions its markup). */
    private static String violationsTable(String dom) {
        int start = dom.indexOf("<table id=\"violations\">");
        assertThat(start).as("violations table in %s", dom).isNotNegative();
        return dom.substring(start, dom.indexOf("</table>", start));
    }

    private String violationsJson(String statusUrl) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(statusUrl + "api/violations")).build(), HttpResponse.BodyHandlers.ofString());
        return res.body();
    }

    /** Headless Chromium (Debian's package) renders the page, runs its script, and dumps the DOM. */
    private String dumpDom(String url) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dataDir, "chromium");
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom", url)
                .redirectError(dataDir.resolve("chromium.err").toFile())
                .start();
        byte[] dom = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(p.exitValue()).as("chromium exit code").isZero();
        return new String(dom, StandardCharsets.UTF_8);
    }

    private long countRows(String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             var rs = ps.executeQuery()) {
            rs.next();
            long n = rs.getLong(1);
            c.rollback();
            return n;
        }
    }

    private void execute(String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.executeUpdate();
            c.commit();
        }
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.voxanne.ssot.cli.commands.CheckCommand;
import com.voxanne.ssot.cli.runtime.DemoStory;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compliance timeline on a real pipeline (embedded broker, PostgreSQL, registry): one SSOT row lost and repaired by
 * a backfill, another lost and repaired by an operator's manual INSERT; {@code GET /api/timeline} and
 * {@code ./ssot check} show both episodes with their durations and what resolved them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComplianceTimelineTest {
    private static final Duration GRACE = Duration.ofSeconds(3);
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final String VOXANNE = DemoSeed.VOXANNE_ID.toString();

    @TempDir
    static Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private TestPipeline stack;
    private String statusUrl;
    private DemoStory.Outcome story;
    private ProvisioningResult repairedByHand;

    @BeforeAll
    void provisionLoseAndRepairTwoSsotRows() throws Exception {
        stack = TestPipeline.start("timeline", dataDir, Map.of("SSOT_GRACE", GRACE.toSeconds() + "s"));
        statusUrl = stack.pipeline.whereabouts().get("STATUS_URL");
        DemoSeed.apply(stack.db.dataSource());

        // the demo's story: provision three numbers, lose the first one's SSOT row, OPEN, backfill, RESOLVED
        story = new DemoStory(stack.pipeline.context(), stack.pipeline.dataSource(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), WITHIN).run();

        // then lose the second one's, wait for the OPEN, and repair it by hand as an operator would
        repairedByHand = story.provisioned().get(1);
        Instant lostAt = Instant.now();
        execute("DELETE FROM org_credentials WHERE org_id = ?::uuid AND phone_number = ?", repairedByHand.getOrgId(),
                repairedByHand.getPhoneNumber());
        await("OPEN episode of " + repairedByHand.getPhoneNumber()).atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> episode(repairedByHand.getPhoneNumber(), "OPEN", lostAt).isPresent());
        execute("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed)"
                        + " VALUES (?::uuid, 'twilio', ?, ?, ?, true)", repairedByHand.getOrgId(),
                repairedByHand.getPhoneNumber(), repairedByHand.getVapiPhoneId(), repairedByHand.getTwilioSid());
        await("RESOLVED episode of " + repairedByHand.getPhoneNumber()).atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> episode(repairedByHand.getPhoneNumber(), "RESOLVED", lostAt).isPresent());
    }

    @AfterAll
    void stopPipeline() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldServeBothEpisodesWithTheirDurationsAndWhatResolvedThem() throws Exception {
        // when
        JsonNode byBackfill = episode(story.victimPhone(), "RESOLVED", story.lostAt()).orElseThrow();
        JsonNode byOperator = episode(repairedByHand.getPhoneNumber(), "RESOLVED", story.lostAt()).orElseThrow();

        // then
        assertThat(byBackfill.get("resolvedBy").asText()).isEqualTo("BACKFILL");
        assertThat(byOperator.get("resolvedBy").asText()).isEqualTo("OPERATOR");
        for (JsonNode e : new JsonNode[] {byBackfill, byOperator}) {
            assertThat(e.get("orgId").asText()).isEqualTo(VOXANNE);
            assertThat(e.get("kind").asText()).isEqualTo("MISSING_SSOT_ROW");
            Instant missingSince = Instant.parse(e.get("missingSince").asText());
            Instant openedAt = Instant.parse(e.get("openedAt").asText());
            Instant resolvedAt = Instant.parse(e.get("resolvedAt").asText());
            assertThat(Duration.between(missingSince, openedAt)).isGreaterThanOrEqualTo(GRACE);
            assertThat(resolvedAt).isAfterOrEqualTo(openedAt);
            assertThat(e.get("durationSeconds").asLong()).isEqualTo(Duration.between(openedAt, resolvedAt).toSeconds());
        }
        // the backfill's episode is older, and the timeline is newest first
        assertThat(Instant.parse(byBackfill.get("openedAt").asText())).isBefore(Instant.parse(byOperator.get("openedAt").asText()));
        assertThat(story.resolved().getResolvedBy()).as("the RESOLVED record on the violations topic").isEqualTo("BACKFILL");

        // and the timeline over all orgs has them too
        JsonNode all = get("/api/timeline");
        assertThat(all.get("episodes").findValuesAsText("resolvedBy")).contains("BACKFILL", "OPERATOR");
    }

    @Test
    void shouldPrintTheTimelineAfterTheComplianceTableWithTheVerdictAsExitCode() {
        // given the environment a command run next to this stack has
        Map<String, String> env = commandEnvironment();
        env.put("STATUS_URL", statusUrl);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        // when
        int exit = CheckCommand.check(Environment.resolve(ConfigSource.of(env)), DemoSeed.VOXANNE_EMAIL,
                new PrintStream(out, true, StandardCharsets.UTF_8));

        // then
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        assertThat(printed.indexOf("RESULT: PASS")).isPositive().isLessThan(printed.indexOf("Compliance timeline"));
        String timeline = printed.substring(printed.indexOf("Compliance timeline"));
        assertThat(lineWith(timeline, story.victimPhone(), "BACKFILL")).contains("MISSING_SSOT_ROW").containsPattern("\\d+s");
        assertThat(lineWith(timeline, repairedByHand.getPhoneNumber(), "OPERATOR")).contains("MISSING_SSOT_ROW");
    }

    @Test
    void shouldSayInOneLineWhyTheTimelineIsUnavailableAndKeepTheVerdict() throws Exception {
        // given no status URL, then one where nothing listens
        Map<String, String> none = commandEnvironment();
        Map<String, String> closed = commandEnvironment();
        try (ServerSocket s = new ServerSocket(0)) {
            closed.put("STATUS_URL", "http://127.0.0.1:" + s.getLocalPort() + "/");
        }

        // when
        ByteArrayOutputStream noneOut = new ByteArrayOutputStream();
        ByteArrayOutputStream closedOut = new ByteArrayOutputStream();
        int noneExit = CheckCommand.check(Environment.resolve(ConfigSource.of(none)), VOXANNE,
                new PrintStream(noneOut, true, StandardCharsets.UTF_8));
        int closedExit = CheckCommand.check(Environment.resolve(ConfigSource.of(closed)), VOXANNE,
                new PrintStream(closedOut, true, StandardCharsets.UTF_8));

        // then
        assertThat(noneExit).isZero();
        assertThat(closedExit).isZero();
        assertThat(noneOut.toString(StandardCharsets.UTF_8)).contains("RESULT: PASS")
                .contains("Compliance timeline: unavailable - no running reconciler found");
        assertThat(closedOut.toString(StandardCharsets.UTF_8)).contains("RESULT: PASS")
                .contains("Compliance timeline: unavailable - no reconciler answers at http://127.0.0.1:");
    }

    /** What a command run next to this pipeline is given: its Kafka and database, no status URL. */
    private Map<String, String> commandEnvironment() {
        Map<String, String> env = new HashMap<>();
        Map<String, String> where = stack.pipeline.whereabouts();
        env.put("KAFKA_BOOTSTRAP_SERVERS", where.get("KAFKA_BOOTSTRAP_SERVERS"));
        env.put("DATABASE_URL", where.get("DATABASE_URL"));
        env.put("DATABASE_USER", where.get("DATABASE_USER"));
        stack.db.password().ifPresent(p -> env.put("DATABASE_PASSWORD", p.reveal()));
        env.put("SSOT_DATA_DIR", dataDir.resolve("command").toString());
        return env;
    }

    private static String lineWith(String text, String... parts) {
        return text.lines().filter(l -> {
            for (String p : parts) {
                if (!l.contains(p)) {
                    return false;
                }
            }
            return true;
        }).findFirst().orElseThrow(() -> new AssertionError("no line with " + String.join(", ", parts) + " in:\n" + text));
    }

    /** Voxanne's episode of {@code phone} in that state that opened after {@code after}, from GET /api/timeline. */
    private Optional<JsonNode> episode(String phone, String state, Instant after) throws Exception {
        JsonNode body = get("/api/timeline?org=" + VOXANNE);
        assertThat(body.get("orgId").asText()).isEqualTo(VOXANNE);
        return StreamSupport.stream(body.get("episodes").spliterator(), false)
                .filter(e -> e.get("phoneNumber").asText().equals(phone) && e.get("state").asText().equals(state)
                        && Instant.parse(e.get("openedAt").asText()).isAfter(after))
                .findFirst();
    }

    private JsonNode get(String pathAndQuery) throws Exception {
        String base = statusUrl.endsWith("/") ? statusUrl.substring(0, statusUrl.length() - 1) : statusUrl;
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", pathAndQuery, response.body()).isEqualTo(200);
        return StatusServer.JSON.readTree(response.body());
    }

    private void execute(String sql, String... args) throws Exception {
        try (Connection c = stack.db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            ps.executeUpdate();
            c.commit();
        }
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.cli.runtime.DemoStory;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.provisioner.outbox.ManagedNumbersBackfill;
import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import com.voxanne.ssot.reconciler.audit.AuditFinding;
import com.voxanne.ssot.reconciler.audit.SsotAudit;
import com.voxanne.ssot.reconciler.violations.ViolationsReader;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import com.voxanne.ssot.schemas.avro.ViolationState;
import com.voxanne.ssot.testkit.TestDatabase;
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
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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

    private TestPipeline stack;
    private TestDatabase db;
    private Pipeline pipeline;
    private DemoStory.Outcome story;

    @BeforeAll
    void startPipeline() throws Exception {
        stack = TestPipeline.start("e2e", dataDir, Map.of("SSOT_GRACE", GRACE.toSeconds() + "s"));
        db = stack.db;
        pipeline = stack.pipeline;
        DemoSeed.apply(db.dataSource());
    }

    @AfterAll
    void stopPipeline() throws Exception {
        if (stack != null) {
            stack.close();
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
        assertThat(story.opened().getDetectedAt()).as("the OPEN of this loss, not of an earlier episode").isAfter(story.lostAt());
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
        // The page reads the reconciler's store, which is ahead of its exactly-once output: the OPEN record becomes
        // visible to read_committed readers of the topic at the next Streams commit, not at the same instant.
        String key = Topics.orgNumberKey(org, phone);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(openViolationKeysOnTopic()).contains(key));
        Set<String> streamOpen = openViolationKeysOnTopic();
        Set<String> sqlOpen = new SsotAudit(db.dataSource()).findings().stream().map(AuditFinding::key).collect(Collectors.toSet());
        assertThat(sqlOpen).as("the independent SQL audit agrees with the stream").isEqualTo(streamOpen)
                .containsExactly(key);
        String after = violationsTable(dumpDom(statusUrl));
        assertThat(after).contains("class=\"violation\"").contains(phone).contains("MISSING_SSOT_ROW");
    }

    @Test
    @Order(3)
    void shouldListASagaThatHoldsAPaidNumberAndDoesNotMoveAsStuckOnTheStatusPage() throws Exception {
        // given: a saga that bought a number an hour ago and waits (its next attempt far away), for an org of its own
        String requestId = "stuck-" + java.util.UUID.randomUUID();
        execute("INSERT INTO provisioning_requests (request_id, org_id, country_code, state, phone_number, twilio_sid, attempts, error,"
                + " next_attempt_at, updated_at) VALUES ('" + requestId + "', '" + java.util.UUID.randomUUID() + "', 'US', 'PURCHASED',"
                + " '+14155559876', 'PN" + "a".repeat(32) + "', 7, 'Vapi import: 503 (redacted)', now() + interval '1 day',"
                + " now() - interval '1 hour')");
        String statusUrl = pipeline.whereabouts().get("STATUS_URL");
        try {
            // when an operator opens the status page, then the saga is listed as stuck with its number and last error
            String dom = dumpDom(statusUrl);
            int start = dom.indexOf("<table id=\"stuck\">");
            assertThat(start).as("stuck sagas table in %s", dom).isNotNegative();
            assertThat(dom.substring(start, dom.indexOf("</table>", start)))
                    .contains("class=\"stuck\"", requestId, "PURCHASED", "+14155559876", "Vapi import: 503");
        } finally {
            execute("DELETE FROM provisioning_requests WHERE request_id = '" + requestId + "'");
        }
    }

    @Test
    @Order(4)
    void shouldHealALegacyManagedNumberByReEmittingItsEventThroughTheOutbox() throws Exception {
        // given: a number bought before the pipeline (no request id, no event ever), so it has no SSOT row
        String org = java.util.UUID.randomUUID().toString();
        String legacyId = java.util.UUID.randomUUID().toString();
        String phone = "+14155557321";
        String vapiPhoneId = "vapi-" + java.util.UUID.randomUUID();
        execute("INSERT INTO organizations (id, name, email) VALUES ('" + org + "', 'Legacy " + org + "', '" + org + "@test.example')");
        execute("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid, vapi_phone_id, status, provisioned_at)"
                + " VALUES ('" + legacyId + "', '" + org + "', '" + phone + "', 'PN" + "b".repeat(32) + "', '" + vapiPhoneId
                + "', 'active', '2026-02-09T23:33:02.123Z')");
        ManagedNumbersBackfill backfill = new ManagedNumbersBackfill(db.dataSource(),
                new OutboxWriter(pipeline.context().config().topics().numbersProvisioned()));

        // when: its NumberProvisioned is re-emitted through the outbox
        backfill.run(false);

        // then: the running relay and projector write its SSOT row, as for any provisioned number
        String expectedEventId = EventIds.forRequest(legacyId, "NumberProvisioned");
        Map<String, Object> row = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> ssotRow(org, phone), r -> r != null);
        assertThat(row.get("is_managed")).isEqualTo(true);
        assertThat(row.get("vapi_phone_id")).isEqualTo(vapiPhoneId);
        assertThat(row.get("last_event_id")).hasToString(expectedEventId);
        // the SSOT row the status-page test deleted is re-emitted in the same run: wait for both
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(backfill.findMissing()).isEmpty());
    }

    /** The org_credentials row of this number (column -> value), or null while there is none. */
    private Map<String, Object> ssotRow(String org, String phone) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT is_managed, vapi_phone_id, last_event_id FROM org_credentials WHERE org_id = ?::uuid AND provider = 'twilio'"
                        + " AND phone_number = ?")) {
            ps.setString(1, org);
            ps.setString(2, phone);
            try (var rs = ps.executeQuery()) {
                Map<String, Object> row = rs.next() ? Map.of("is_managed", rs.getBoolean(1), "vapi_phone_id", rs.getString(2),
                        "last_event_id", rs.getObject(3)) : null;
                c.rollback();
                return row;
            }
        }
    }

    private Set<String> openViolationKeysOnTopic() {
        try (ViolationsReader reader = new ViolationsReader(pipeline.context().kafka(), pipeline.context().config().topics().violations())) {
            return reader.snapshot(Duration.ofSeconds(30)).open().stream()
                    .map(v -> Topics.orgNumberKey(v.getOrgId(), v.getPhoneNumber())).collect(Collectors.toSet());
        }
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

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.cli.browser.HeadlessChromium;
import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page of a real pipeline in headless Chromium, as an operator sees it after an SSOT row is lost: the
 * violation names the organisation, the components show labelled fields (no JSON), the three charts of the last hour
 * are drawn as SVG from the page's own sampler, and the timeline panel shows the reconciler's episodes
 * ({@code /api/timeline}). Leaves a screenshot in {@code target/status-page.png} for a person to judge.
 */
class StatusPageInBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    @Test
    void shouldNameTheOrganisationOfAViolationShowComponentsAsFieldsAndDrawTheCharts() throws Exception {
        try (TestPipeline tp = TestPipeline.start("page", dataDir, Map.of("SSOT_GRACE", "2s", "SSOT_STATUS_SAMPLE_INTERVAL", "1s"));
             HeadlessChromium browser = HeadlessChromium.start(dataDir.resolve("profile"))) {
            DemoSeed.apply(tp.db.dataSource());

            // given a number provisioned for Voxanne Demo Clinic whose SSOT row is then lost
            var request = ProvisionCommand.request(UUID.randomUUID().toString(), DemoSeed.VOXANNE_ID.toString(), "US", "415", "page test");
            ProvisioningResult result = ProvisionCommand.publishAndAwait(tp.pipeline.context().kafka(),
                    tp.pipeline.context().config().topics(), request, WAIT).orElseThrow();
            assertThat(result.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            String phone = result.getPhoneNumber();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> ssotRows(tp, phone) == 1);
            execute(tp, "DELETE FROM org_credentials WHERE org_id = ? AND phone_number = ?", phone);

            // when an operator opens the status page
            browser.navigate(tp.pipeline.whereabouts().get("STATUS_URL"));
            try {
                assertWhatTheOperatorSees(browser, phone);
            } finally {
                browser.screenshot(Path.of("target", "status-page.png"), 1280); // also of a failure: what went wrong
                browser.emulateColorScheme("dark");
                browser.screenshot(Path.of("target", "status-page-dark.png"), 1280);
            }
        }
    }

    private static void assertWhatTheOperatorSees(HeadlessChromium browser, String phone) throws Exception {
        // then the violation names the organisation, with its id in the tooltip
        awaitTrue(browser, "[...document.querySelectorAll('#violations tr.violation')].some(r => r.textContent.includes("
                + quoted(phone) + ") && r.textContent.includes('Voxanne Demo Clinic'))");
        assertThat(browser.evaluate("document.querySelector('#violations tr.violation .org').title").asText())
                .isEqualTo(DemoSeed.VOXANNE_ID.toString());
        assertThat(browser.evaluate("document.querySelector('#sum-violations .tile-value').textContent").asText()).isEqualTo("1");

        // and every component shows labelled fields, never raw JSON
        assertThat(browser.evaluate("document.querySelectorAll('#health tbody tr.component').length").asInt()).isGreaterThanOrEqualTo(4);
        assertThat(browser.evaluate("document.querySelector('#health tbody').textContent").asText()).doesNotContain("{\"");
        assertThat(browser.evaluate("[...document.querySelectorAll('#health dl.fields dt')].map(d => d.textContent).join('|')")
                .asText()).contains("Application ID", "Slot lag");
        assertThat(browser.evaluate("[...document.querySelectorAll('#health .badge')].map(b => b.textContent).join(' ')").asText())
                .contains("UP");

        // and the three charts are SVG with data: the violation counted, the provisioning counted, lag per group
        for (String chart : new String[] {"chart-violations", "chart-provisioning", "chart-lag"}) {
            awaitTrue(browser, "Number(document.querySelector('#" + chart + " svg.spark')?.dataset.points) >= 1"
                    + " && document.querySelectorAll('#" + chart + " svg.spark path.series').length >= 1");
        }
        awaitTrue(browser, "document.querySelector('#chart-violations svg').getAttribute('aria-label').includes('total now 1')");
        awaitTrue(browser, "document.querySelector('#chart-provisioning svg').getAttribute('aria-label').includes('succeeded now')"
                + " && document.querySelector('#chart-provisioning svg').getAttribute('aria-label').includes('max 1')");
        assertThat(browser.evaluate("document.querySelector('#chart-lag svg').getAttribute('aria-label')").asText())
                .contains("projector-", "reconciler-", "provisioner-");

        // and the reconciler's timeline (/api/timeline) shows the lost row's episode, open, under the organisation's name
        awaitTrue(browser, "[...document.querySelectorAll('#timeline tbody tr.episode.open')].some(r => r.textContent.includes("
                + quoted(phone) + ") && r.textContent.includes('Voxanne Demo Clinic') && r.textContent.includes('missing ssot row'))");
        // and its renderer draws a resolved episode with its duration and who resolved it (rendered and read in one turn
        // of the page's event loop, before the next refresh puts the live timeline back)
        String rendered = browser.evaluate("showTimeline({episodes: [{orgId: '" + DemoSeed.VOXANNE_ID + "', phoneNumber: '+14155550123',"
                + " kind: 'MISSING_SSOT_ROW', state: 'OPEN', missingSince: '2026-12-02T15:00:00Z', openedAt: '2026-12-02T15:00:30Z',"
                + " resolvedAt: null, durationSeconds: 95, resolvedBy: null}, {orgId: '" + DemoSeed.VOXANNE_ID + "',"
                + " phoneNumber: '+14155550124', kind: 'MISSING_SSOT_ROW', state: 'RESOLVED', missingSince: '2026-12-02T14:00:00Z',"
                + " openedAt: '2026-12-02T14:00:30Z', resolvedAt: '2026-12-02T14:10:30Z', durationSeconds: 600, resolvedBy: 'BACKFILL'}]});"
                + " [...document.querySelectorAll('#timeline tbody tr')].map(r => r.className + ': ' + r.textContent).join('\\n')").asText();
        assertThat(rendered.lines()).hasSize(2);
        assertThat(rendered.lines().findFirst().orElseThrow()).startsWith("episode open: Voxanne Demo Clinic")
                .contains("+14155550123", "missing ssot row", "open for 1 min 35 s", "OPEN");
        assertThat(rendered.lines().skip(1).findFirst().orElseThrow()).startsWith("episode: Voxanne Demo Clinic")
                .contains("+14155550124", "10 min", "backfill");
    }

    private static long ssotRows(TestPipeline tp, String phone) throws Exception {
        try (Connection c = tp.db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM org_credentials WHERE org_id = ? AND phone_number = ?")) {
            ps.setObject(1, DemoSeed.VOXANNE_ID);
            ps.setString(2, phone);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void execute(TestPipeline tp, String sql, String phone) throws Exception {
        try (Connection c = tp.db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, DemoSeed.VOXANNE_ID);
            ps.setString(2, phone);
            assertThat(ps.executeUpdate()).as("SSOT rows deleted").isEqualTo(1);
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    private static String quoted(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static void awaitTrue(HeadlessChromium browser, String condition) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> browser.evaluate("Boolean(" + condition + ")").asBoolean());
    }
}

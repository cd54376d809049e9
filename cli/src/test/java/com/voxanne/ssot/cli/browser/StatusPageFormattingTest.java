package com.voxanne.ssot.cli.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.pipeline.StatusPage;
import com.voxanne.ssot.pipeline.status.StatusPageSettings;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.http.HttpAccess;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page's own formatting, in the browser that runs it: labels and human units of component details, nested details
 * flattened, a sample where a source did not answer drawn as a gap, and what the page says while no reconciler runs.
 */
class StatusPageFormattingTest {
    @TempDir
    Path dir;

    @Test
    void shouldShowDetailsAsLabelledFieldsInHumanUnitsAndAMissingSampleAsAGap() throws Exception {
        TestStack stack = TestStack.get();
        HealthRegistry health = new HealthRegistry();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("slotLagBytes", 3 * 1024 * 1024);
        details.put("oldestUnrelayedAgeMs", 1500);
        details.put("graceSeconds", 90.0);
        details.put("inputLag", Map.of("projector", 1234));
        details.put("active", true);
        health.register("relay", () -> ComponentHealth.up(details));
        health.register("broker", () -> ComponentHealth.down("connection refused"));
        try (TestDatabase db = stack.newDatabase("status_page_format");
             StatusServer server = StatusServer.start(HttpAccess.loopback(0), health, Metrics.newRegistry(), Redactor.none());
             HeadlessChromium browser = HeadlessChromium.start(dir.resolve("profile"));
             StatusPage page = new StatusPage(new StatusPage.Sources(db.dataSource(), stack.admin(), List.of(), health, "no_slot",
                     new SagaAdmin(db.dataSource(), Duration.ofMinutes(2)), Duration.ofMinutes(5), Optional::empty),
                     StatusPageSettings.defaults())) {
            page.mount(server);

            // when the page is opened on a process with no reconciler
            browser.navigate(server.baseUrl() + "/");

            // then each detail has a readable label and a value in its unit; nested ones are flattened
            awaitTrue(browser, "document.querySelectorAll('#health dl.fields dt').length >= 5");
            String fields = browser.evaluate("[...document.querySelectorAll('#health dl.fields > div')]"
                    + ".map(d => d.querySelector('dt').textContent + ': ' + d.querySelector('dd').textContent).join('\\n')").asText();
            assertThat(fields.lines()).contains("Slot lag: 3.0 MiB", "Oldest unrelayed age: 1.5 s", "Grace: 1 min 30 s",
                    "Input lag › projector: 1,234", "Active: yes", "Reason: connection refused");
            assertThat(browser.evaluate("document.querySelector('#health tbody').textContent").asText()).doesNotContain("{\"");
            assertThat(browser.evaluate("document.querySelector('#sum-health .tile-value').textContent").asText()).isEqualTo("1/2");
            assertThat(browser.evaluate("document.querySelector('#sum-health .tile-note').textContent").asText()).isEqualTo("broker down");

            // and the violations panel says the reconciler is unavailable rather than "none"
            awaitTrue(browser, "document.querySelector('#violations tbody').textContent.includes('reconciler unavailable')");

            // and a sample with no value in any series is a shaded gap, the values around it are drawn
            String chart = "stepChart('lag', [0, 15000, 30000].map(t => Date.now() - 30000 + t),"
                    + " [{name: 'projector', values: [4, null, 2]}], String)";
            assertThat(browser.evaluate("(() => { const d = document.createElement('div'); d.innerHTML = " + chart + ";"
                    + " return [d.querySelectorAll('rect.gap').length, d.querySelector('svg').dataset.points,"
                    + " d.querySelector('svg').getAttribute('aria-label').includes('projector now 2, max 4')].join(','); })()")
                    .asText()).isEqualTo("1,2,true");
        }
    }

    private static void awaitTrue(HeadlessChromium browser, String condition) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> browser.evaluate("Boolean(" + condition + ")").asBoolean());
    }
}

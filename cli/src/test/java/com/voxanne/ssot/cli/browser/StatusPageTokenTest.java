package com.voxanne.ssot.cli.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.pipeline.StatusPage;
import com.voxanne.ssot.pipeline.status.StatusPageSettings;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.http.HttpAccess;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.reconciler.query.QueryRoutes;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser against a status server that has a token: it shows no data until the user enters
 * the token once, keeps it for the session (a reload does not ask again), never puts it in a URL, and says so when a
 * token is refused.
 */
class StatusPageTokenTest {
    private static final Secret TOKEN = Secret.of("page-token-5d1c0a9e77");
    private static final String HEALTH_ROWS = "document.querySelectorAll('#health tbody tr').length";
    private static final String LOGIN_SHOWN = "!document.getElementById('login').hidden";

    @TempDir
    Path dir;

    @Test
    void shouldAskForTheTokenOnceKeepItForTheSessionAndNeverPutItInAUrl() throws Exception {
        TestStack stack = TestStack.get();
        HealthRegistry health = new HealthRegistry();
        health.register("kafka", () -> ComponentHealth.up(Map.of("bootstrap", "127.0.0.1")));
        try (TestDatabase db = stack.newDatabase("status_page_token");
             StatusServer server = StatusServer.start(HttpAccess.loopback(0).withToken(TOKEN), health, Metrics.newRegistry(),
                     Redactor.none());
             HeadlessChromium browser = HeadlessChromium.start(dir.resolve("profile"));
             StatusPage statusPage = new StatusPage(new StatusPage.Sources(db.dataSource(), stack.admin(), List.of(), health,
                     "no_slot", new SagaAdmin(db.dataSource(), Duration.ofMinutes(2)), Duration.ofMinutes(5), Optional::empty),
                     StatusPageSettings.defaults())) {
            new QueryRoutes(Optional::empty, Clock.systemUTC()).register(server);
            statusPage.mount(server);
            String page = server.baseUrl() + "/";

            // given the page loaded without a token: it asks for one and shows no data
            browser.navigate(page);
            awaitTrue(browser, LOGIN_SHOWN);
            assertThat(browser.evaluate(HEALTH_ROWS).asInt()).isZero();

            // when a wrong token is entered: refused, still no data
            submit(browser, "not-the-token");
            awaitTrue(browser, LOGIN_SHOWN + " && document.getElementById('login-error').textContent.includes('refused')");
            assertThat(browser.evaluate(HEALTH_ROWS).asInt()).isZero();

            // when the right one is entered: the data shows, the form goes away
            submit(browser, TOKEN.reveal());
            awaitTrue(browser, "document.querySelector('#health tbody').textContent.includes('kafka')");
            assertThat(browser.evaluate(LOGIN_SHOWN).asBoolean()).isFalse();
            assertThat(browser.evaluate("location.href").asText()).isEqualTo(page).doesNotContain(TOKEN.reveal());
            assertThat(browser.evaluate("sessionStorage.getItem('ssot-status-token')").asText()).isEqualTo(TOKEN.reveal());
            assertThat(browser.evaluate("localStorage.length").asInt()).as("nothing kept beyond the session").isZero();

            // and the charts' data route wants the token like the other data routes
            HttpClient http = HttpClient.newHttpClient();
            URI history = URI.create(server.baseUrl() + "/api/history");
            assertThat(http.send(HttpRequest.newBuilder(history).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            var answer = http.send(HttpRequest.newBuilder(history).header("Authorization", "Bearer " + TOKEN.reveal())
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"charts\"", "\"openViolations\"", "\"times\"");

            // and a reload shows the data again without asking
            browser.navigate(page);
            awaitTrue(browser, "document.querySelector('#health tbody').textContent.includes('kafka')");
            assertThat(browser.evaluate(LOGIN_SHOWN).asBoolean()).isFalse();
        }
    }

    private static void submit(HeadlessChromium browser, String token) throws Exception {
        browser.evaluate("document.getElementById('token').value = " + quoted(token)
                + "; document.getElementById('login').requestSubmit(); true");
    }

    private static String quoted(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static void awaitTrue(HeadlessChromium browser, String condition) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> browser.evaluate("Boolean(" + condition + ")").asBoolean());
    }
}

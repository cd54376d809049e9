package com.voxanne.ssot.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.reconciler.testing.Cdc.Credentials;
import com.voxanne.ssot.reconciler.testing.Cdc.Managed;
import com.voxanne.ssot.reconciler.testing.ReconcilerHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the reconciler's /metrics shows through an episode, on the real broker: the OPEN gauge by kind, the oldest's age,
 * the time to detect as a histogram, the Streams client's metrics and its group's lag; and that the gauges and the
 * Streams metrics leave with the instance.
 */
class ReconcilerMetricsIntegrationTest {
    private static final String OPEN_MISSING = "ssot_reconciler_violations_open{kind=\"MISSING_SSOT_ROW\"}";
    private static final String OLDEST_AGE = "ssot_reconciler_violations_oldest_age_seconds";

    @TempDir
    Path dataDir;

    private ReconcilerHarness harness;

    @AfterEach
    void close() throws InterruptedException {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void shouldShowAnOpenViolationByKindItsAgeAndTheTimeToDetectThenZeroOnceResolved() throws Exception {
        // given a running reconciler with a 2 s grace
        harness = new ReconcilerHarness(dataDir, "2s");
        harness.startService();
        String before = harness.registry().scrape();
        assertThat(value(before, OPEN_MISSING)).isZero();
        assertThat(value(before, OLDEST_AGE)).isZero();
        assertThat(before).contains("ssot_dlq_records_total{service=\"reconciler\",topic=\"" + harness.managedTopic + ".dlq\"} 0.0");

        // when a managed number has no SSOT row past the grace
        Managed managed = new Managed(UUID.randomUUID().toString(), UUID.randomUUID().toString(), "+14155550177",
                UUID.randomUUID().toString());
        harness.sendManaged(managed.key(), managed.created());

        // then the scrape shows one open violation of that kind, getting older, and one time-to-detect observation
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(value(harness.registry().scrape(), OPEN_MISSING)).isEqualTo(1.0));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(value(harness.registry().scrape(), OLDEST_AGE)).isPositive());
        String open = harness.registry().scrape();
        assertThat(value(open, "ssot_reconciler_violations_open{kind=\"VAPI_ID_MISMATCH\"}")).isZero();
        assertThat(value(open, "ssot_reconciler_time_to_detect_seconds_count")).isEqualTo(1.0);
        assertThat(value(open, "ssot_reconciler_time_to_detect_seconds_sum")).as("at least the grace").isGreaterThanOrEqualTo(2.0);
        assertThat(open).containsPattern("ssot_reconciler_time_to_detect_seconds_bucket\\{le=\"[0-9.]+\"}");
        // next to the Streams client's own metrics and the group's lag
        assertThat(open).containsPattern("(?m)^kafka_stream_[a-z_]+\\{")
                .contains("ssot_consumer_lag_records{group=\"" + harness.applicationId + "\"}");

        // when the SSOT row arrives, then nothing is open and the age is back to 0
        harness.sendCredentials(managed.key(), Credentials.of(managed, 1).created());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String resolved = harness.registry().scrape();
            assertThat(value(resolved, OPEN_MISSING)).isZero();
            assertThat(value(resolved, OLDEST_AGE)).isZero();
        });

        // when the instance stops, then its gauges and the Streams metrics go with it
        harness.stopService();
        String after = harness.registry().scrape();
        assertThat(after).doesNotContain("ssot_reconciler_violations_open{").doesNotContain(OLDEST_AGE)
                .doesNotContain("ssot_reconciler_alerts_held ").doesNotContain("ssot_consumer_lag_records{")
                .doesNotContainPattern("(?m)^kafka_stream_");
    }

    /** The sample's value in the scrape text; fails when the series is absent. */
    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("series %s in the scrape:%n%s", series, scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }
}

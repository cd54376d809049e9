package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.relay.metrics.DebeziumStreamingMetrics;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Prometheus scrape of a running relay shows: Debezium's streaming metrics under the community names (read from
 * the connector's real MBean), the relay's own, and its Kafka clients' metrics; and that they go when the relay stops.
 */
class RelayMetricsTest {
    private static final Logger log = LoggerFactory.getLogger(RelayMetricsTest.class);
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void shouldExportDebeziumStreamingMetricsUnderTheCommunityNamesWhileTheRelayStreams() throws Exception {
        try (RelayFixture f = new RelayFixture("metrics")) {
            // given a relay streaming from its slot (RELAY_TOPIC_PREFIX is the fixture's database name)
            String prefix = f.db.name();
            RelayService relay = f.startRelay();

            // then Debezium 3.6.3 registered its streaming MBean under exactly the name the gauges read
            Set<ObjectName> debeziumBeans = server.queryNames(new ObjectName("debezium.postgres:*"), null);
            log.info("Debezium MBeans: {}", debeziumBeans);
            ObjectName streaming = DebeziumStreamingMetrics.objectName(prefix);
            assertThat(debeziumBeans).contains(streaming);
            assertThat(streaming.getCanonicalName())
                    .isEqualTo("debezium.postgres:context=streaming,server=" + prefix + ",type=connector-metrics");
            // and every attribute exported is one the MBean has
            List<String> attributes = Arrays.stream(server.getMBeanInfo(streaming).getAttributes())
                    .map(MBeanAttributeInfo::getName).toList();
            assertThat(attributes).containsAll(DebeziumStreamingMetrics.ATTRIBUTES);

            // when a change is relayed
            f.writeOutbox(List.of(RelayFixture.event(f.insertOrgs(1).get(0))));

            // then the scrape shows the change under the community names, with the community's tags
            String tags = "{context=\"streaming\",name=\"" + prefix + "\",plugin=\"postgres\"}";
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(value(f.registry.scrape(), "debezium_metrics_TotalNumberOfEventsSeen" + tags)).isGreaterThanOrEqualTo(1));
            String scrape = f.registry.scrape();
            assertThat(value(scrape, "debezium_metrics_Connected" + tags)).isEqualTo(1.0);
            assertThat(scrape).contains("# TYPE debezium_metrics_MilliSecondsBehindSource gauge")
                    .contains("debezium_metrics_MilliSecondsBehindSource" + tags)
                    .contains("debezium_metrics_QueueRemainingCapacity" + tags)
                    .contains("debezium_metrics_NumberOfCommittedTransactions" + tags)
                    .contains("debezium_metrics_MilliSecondsSinceLastEvent" + tags);
            assertThat(value(scrape, "debezium_metrics_NumberOfCommittedTransactions" + tags)).isGreaterThanOrEqualTo(1);
            // next to the relay's own metrics and its Kafka clients' (the per-run producer, the monitor's admin client)
            assertThat(value(scrape, "ssot_relay_connected{slot=\"" + f.slot + "\"}")).isEqualTo(1.0);
            assertThat(scrape).contains("ssot_relay_slot_lag_bytes{slot=\"" + f.slot + "\"}")
                    .contains("ssot_dlq_records_total{service=\"relay\",topic=\"" + f.numbersTopic + ".dlq\"} 0.0")
                    .containsPattern("kafka_producer_[a-z_]+\\{[^}]*client_id=\"ssot-relay-" + f.slot + "\"")
                    .containsPattern("kafka_admin_client_[a-z_]+\\{[^}]*client_id=\"ssot-relay-monitor-" + f.slot + "\"");

            // when the relay stops, then its gauges and its clients' metrics go with it
            relay.close();
            String after = f.registry.scrape();
            assertThat(after).doesNotContain("debezium_metrics_").doesNotContain("ssot_relay_connected")
                    .doesNotContain("client_id=\"ssot-relay-" + f.slot + "\"")
                    .doesNotContain("client_id=\"ssot-relay-monitor-" + f.slot + "\"");
        }
    }

    /** The sample's value in the scrape text; fails when the series is absent. */
    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("series %s in the scrape", series).isTrue();
        return Double.parseDouble(m.group(1));
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.cli.browser.HeadlessChromium;
import com.voxanne.ssot.embedded.EmbeddedKafkaCluster;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page's Cluster card on a real pipeline over a three-broker embedded cluster (each broker its own process,
 * as {@code ./ssot up --brokers 3}), in headless Chromium: three brokers UP and each service's instance, this process's,
 * from its group; then, after {@code kill -9} of one broker (its restart delayed past the test), that broker DOWN, the
 * under-replicated partitions in a warning banner, and the services' instances still listed. A consumer of the
 * projector's group that is not this pipeline's shows as a second projector instance, a "member" of the group. Leaves
 * {@code target/status-page-cluster.png} for a person to judge.
 */
class ClusterOnStatusPageInBrowserTest {
    private static final Duration START = Duration.ofMinutes(3);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PROJECTOR_GROUP = "ssot-projector";
    private static final String PROJECTOR_INPUT = "telephony.numbers.provisioned";

    @TempDir
    Path dataDir;

    @Test
    void shouldShowThreeBrokersUpThenAKilledBrokerDownWithTheUnderReplicatedPartitions() throws Exception {
        Map<String, String> env = Map.of("SSOT_DATA_DIR", dataDir.resolve("ssot").toString(), "SSOT_HTTP_PORT", "0",
                Pipeline.EMBEDDED_BROKERS, "3",
                // not restarted while the test looks at it
                EmbeddedKafkaCluster.RESTART_DELAY_VARIABLE, "600s");
        try (Pipeline pipeline = Pipeline.start(ConfigSource.of(env), Pipeline.Options.all(), line -> { });
             HeadlessChromium browser = HeadlessChromium.start(dataDir.resolve("profile"))) {
            assertThat(pipeline.awaitHealthy(START)).as("healthy: %s", pipeline.health().snapshot()).isTrue();
            EmbeddedKafkaCluster cluster = pipeline.embeddedStack().orElseThrow().kafkaCluster().orElseThrow();

            // given the page of a pipeline on three brokers
            browser.navigate(pipeline.whereabouts().get("STATUS_URL"));
            try {
                // then three broker tiles are UP, no warning, and the summary counts them
                awaitTrue(browser, "document.querySelectorAll('#brokers .broker').length === 3"
                        + " && [...document.querySelectorAll('#brokers .broker .badge')].filter(b => b.textContent === 'UP').length === 3");
                assertThat(text(browser, "#sum-cluster .tile-value")).isEqualTo("3/3");
                assertThat(browser.evaluate("document.getElementById('cluster-warning').hidden").asBoolean()).isTrue();
                assertThat(browser.evaluate("[...document.querySelectorAll('#brokers .broker')].map(b => b.textContent).join('|')")
                        .asText()).contains("Partitions led", "Replicas held", "controller");

                // and each service shows its instance from its group, this process's, with its health
                for (String service : new String[] {"provisioner", "projector", "reconciler"}) {
                    awaitTrue(browser, "[...document.querySelectorAll('[data-service=\"" + service + "\"] li.instance.local')]"
                            + ".some(li => li.textContent.includes('this process') && li.textContent.includes('UP')"
                            + " && /[1-9]\\d* partitions assigned/.test(li.textContent))");
                }
                awaitTrue(browser, "document.querySelector('[data-service=\"relay\"] li.instance.local')?.textContent.includes('UP')");
                assertThat(text(browser, "#sum-cluster .tile-note")).contains("service instances");

                // and a second projector instance elsewhere (a consumer of the group that is not this pipeline's) is
                // listed as a member with what it is assigned, not as this process's
                try (GroupMember elsewhere = GroupMember.join(pipeline, PROJECTOR_GROUP, PROJECTOR_INPUT, "projector-elsewhere")) {
                    awaitTrue(browser, "[...document.querySelectorAll('[data-service=\"projector\"] li.instance:not(.local)')]"
                            + ".some(li => li.textContent.includes('projector-elsewhere') && li.textContent.includes('member')"
                            + " && li.textContent.includes('partitions assigned'))");
                    assertThat(text(browser, "[data-service=\"projector\"] h4")).contains("2 instances");
                }

                // when one broker, not the controller, is killed (no controlled shutdown)
                int controller = pipeline.admin().describeCluster().controller().get(30, TimeUnit.SECONDS).id();
                int victim = cluster.brokers().stream().mapToInt(EmbeddedKafkaCluster.Broker::id).filter(id -> id != controller)
                        .max().orElseThrow();
                cluster.kill(victim);

                // then its tile shows it DOWN, the others UP, and the banner names the under-replicated partitions
                awaitTrue(browser, "document.querySelector('#brokers .broker.down[data-broker=\"" + victim + "\"] .badge.bad')"
                        + "?.textContent === 'DOWN'");
                awaitTrue(browser, "!document.getElementById('cluster-warning').hidden"
                        + " && document.getElementById('cluster-warning').textContent.includes('under-replicated')"
                        + " && document.getElementById('cluster-warning').textContent.includes('broker " + victim + " down')");
                assertThat(text(browser, "#sum-cluster .tile-value")).isEqualTo("2/3");
                assertThat(text(browser, "#sum-cluster .tile-note")).contains("under-replicated");
                assertThat(browser.evaluate("document.querySelectorAll('#brokers .broker:not(.down)').length").asInt()).isEqualTo(2);
                assertThat(cluster.brokers().get(victim - 1).running()).as("broker %d still down", victim).isFalse();

                // and the services' instances are still listed
                assertThat(browser.evaluate("document.querySelectorAll('#instances li.instance').length").asInt())
                        .isGreaterThanOrEqualTo(4);
            } finally {
                browser.screenshot(Path.of("target", "status-page-cluster.png"), 1280); // also of a failure
            }
        }
    }

    /** A consumer of a service's group in its own thread, polling until closed: an instance not of this pipeline. */
    private static final class GroupMember implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread poller;
        private volatile boolean running = true;

        private GroupMember(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
            this.poller = new Thread(this::poll, "group-member");
            this.poller.setDaemon(true);
        }

        static GroupMember join(Pipeline pipeline, String group, String topic, String clientId) {
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(pipeline.context().kafka().consumer(group, clientId),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
            GroupMember member = new GroupMember(consumer);
            member.poller.start();
            return member;
        }

        private void poll() {
            try {
                while (running) {
                    consumer.poll(Duration.ofMillis(200)); // never commits: it only holds its share of the group
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            poller.join(Duration.ofSeconds(30).toMillis());
            assertThat(poller.isAlive()).as("the extra group member stopped").isFalse();
        }
    }

    private static String text(HeadlessChromium browser, String selector) throws Exception {
        return browser.evaluate("document.querySelector('" + selector + "').textContent").asText();
    }

    private static void awaitTrue(HeadlessChromium browser, String condition) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> browser.evaluate("Boolean(" + condition + ")").asBoolean());
    }
}

package com.voxanne.ssot.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.reconciler.testing.Cdc.Credentials;
import com.voxanne.ssot.reconciler.testing.Cdc.Managed;
import com.voxanne.ssot.reconciler.testing.ReconcilerHarness;
import com.voxanne.ssot.reconciler.testing.ReconcilerHarness.Seen;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler service on the real embedded broker, fed CDC records exactly as the relay writes them
 * (that is this service's input), with a 2 s grace.
 */
class ReconcilerServiceIntegrationTest {
    private static final Logger log = LoggerFactory.getLogger(ReconcilerServiceIntegrationTest.class);
    private static final Duration GRACE = Duration.ofSeconds(2);

    @TempDir
    Path dataDir;

    private ReconcilerHarness harness;

    @AfterEach
    void close() throws InterruptedException {
        if (harness != null) {
            harness.close();
        }
    }

    private static Managed number(String org, String phone) {
        return new Managed(UUID.randomUUID().toString(), org, phone, UUID.randomUUID().toString());
    }

    private List<SsotViolation> states(String key) {
        return harness.seenFor(key).stream().map(s -> s.update().violation()).toList();
    }

    @Test
    void shouldOpenWithinGracePlusFiveSecondsAndResolveWhenSsotRowArrives() throws Exception {
        // given a running reconciler and an alert consumer
        harness = new ReconcilerHarness(dataDir, "2s");
        harness.startService();
        harness.followViolations();
        String org = UUID.randomUUID().toString();
        Managed managed = number(org, "+14155550111");

        // when a managed number appears with no SSOT row
        Instant sent = Instant.now();
        harness.sendManaged(managed.key(), managed.created());

        // then OPEN arrives (the latency itself is a benchmark figure, not asserted here)
        await().atMost(GRACE.plusSeconds(30)).until(() -> !harness.seenFor(managed.key()).isEmpty());
        Seen open = harness.seenFor(managed.key()).get(0);
        SsotViolation v = open.update().violation();
        assertThat(v.getState()).isEqualTo(ViolationState.OPEN);
        assertThat(v.getKind()).isEqualTo(ViolationKind.MISSING_SSOT_ROW);
        assertThat(v.getOrgId()).isEqualTo(org);
        Instant graceExpiry = v.getMissingSince().plus(GRACE);
        long emitDelayMs = Duration.between(graceExpiry, v.getDetectedAt()).toMillis();
        long consumerDelayMs = Duration.between(graceExpiry, open.receivedAt()).toMillis();
        long endToEndMs = Duration.between(sent, open.receivedAt()).toMillis();
        log.info("DETECTION LATENCY grace expiry -> OPEN emitted: {} ms; grace expiry -> OPEN seen by consumer: {} ms;"
                + " CDC record sent -> OPEN seen: {} ms (grace {} ms)", emitDelayMs, consumerDelayMs, endToEndMs, GRACE.toMillis());
        assertThat(emitDelayMs).as("never before the grace has passed").isNotNegative();

        // when the SSOT row arrives
        harness.sendCredentials(managed.key(), Credentials.of(managed, 1).created());

        // then RESOLVED, once
        await().atMost(Duration.ofSeconds(30)).until(() -> harness.seenFor(managed.key()).size() >= 2);
        SsotViolation resolved = states(managed.key()).get(1);
        assertThat(resolved.getState()).isEqualTo(ViolationState.RESOLVED);
        assertThat(resolved.getMissingSince()).isEqualTo(v.getMissingSince());
        assertThat(resolved.getResolvedAt()).isNotNull();

        // and the metrics and health say so
        assertThat(harness.registry().get("ssot.reconciler.violations.opened").tag("kind", "MISSING_SSOT_ROW").counter().count()).isEqualTo(1.0);
        assertThat(harness.registry().get("ssot.reconciler.violations.resolved").tag("kind", "MISSING_SSOT_ROW").counter().count()).isEqualTo(1.0);
        assertThat(harness.registry().get("ssot.reconciler.detection.delay").timer().count()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(harness.service().health().status()).isEqualTo(ComponentHealth.Status.UP));
        assertThat(harness.health().snapshot()).containsKey(ReconcilerService.NAME);
    }

    @Test
    void shouldNotDuplicateOpenOrResolvedAcrossRestartsAndRestores() throws Exception {
        // given A open, and B opened and resolved, before a restart
        harness = new ReconcilerHarness(dataDir, "2s");
        harness.startService();
        harness.followViolations();
        String org = UUID.randomUUID().toString();
        Managed a = number(org, "+14155550121");
        Managed b = number(org, "+14155550122");
        harness.sendManaged(a.key(), a.created());
        harness.sendManaged(b.key(), b.created());
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.seenFor(a.key()).size() == 1
                && harness.seenFor(b.key()).size() == 1);
        harness.sendCredentials(b.key(), Credentials.of(b, 1).created());
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.seenFor(b.key()).size() == 2);

        // when the service restarts with the same state directory and application id
        harness.stopService();
        harness.startService();
        Managed c = number(org, "+14155550123");
        harness.sendManaged(c.key(), c.created());
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.seenFor(c.key()).size() == 1);

        // and again with an empty state directory (state restored from the changelogs)
        harness.stopService();
        harness.with("RECONCILER_STATE_DIR", dataDir.resolve("fresh-state").toString());
        harness.startService();
        Managed d = number(org, "+14155550124");
        harness.sendManaged(d.key(), d.created());
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.seenFor(d.key()).size() == 1);

        // then nothing was published again for A and B
        assertThat(states(a.key())).extracting(SsotViolation::getState).containsExactly(ViolationState.OPEN);
        assertThat(states(b.key())).extracting(SsotViolation::getState)
                .containsExactly(ViolationState.OPEN, ViolationState.RESOLVED);

        // and A still resolves exactly once after the restarts
        harness.sendCredentials(a.key(), Credentials.of(a, 2).created());
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.seenFor(a.key()).size() == 2);
        assertThat(states(a.key())).extracting(SsotViolation::getState)
                .containsExactly(ViolationState.OPEN, ViolationState.RESOLVED);
        assertThat(states(a.key()).get(0).getEventId()).isNotEqualTo(states(a.key()).get(1).getEventId());
    }

    @Test
    void shouldParkMalformedCdcRecordOnDeadLetterTopicAndKeepReconciling() throws Exception {
        // given a running reconciler
        harness = new ReconcilerHarness(dataDir, "2s");
        harness.startService();
        harness.followViolations();
        String org = UUID.randomUUID().toString();
        Managed managed = number(org, "+14155550131");

        // when a malformed record arrives, then a good one
        harness.sendManaged(managed.key(), "{\"id\": \"no org and no phone\", \"__deleted\": \"false\"}");
        harness.sendManaged(managed.key(), managed.created());

        // then the bad record is parked with its bytes and the reason
        List<ConsumerRecord<byte[], byte[]>> parked = harness.stack.consumeAll(DeadLetters.topicFor(harness.managedTopic),
                1, Duration.ofSeconds(15));
        assertThat(parked).hasSize(1);
        assertThat(new String(parked.get(0).value(), StandardCharsets.UTF_8)).contains("no org and no phone");
        assertThat(new String(parked.get(0).headers().lastHeader(DeadLetters.H_ERROR_MESSAGE).value(),
                StandardCharsets.UTF_8)).contains("'org_id'");

        // and the good record still opens its violation
        await().atMost(GRACE.plusSeconds(5)).until(() -> !harness.seenFor(managed.key()).isEmpty());
        assertThat(harness.registry().get("ssot.failures").tag("failure_point", "cdc_decode").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldShutDownWithHealthDownWhenTheDeadLetterTopicKeepsRefusingAnUnreadableRecord() throws Exception {
        // given a dead-letter topic that takes nothing above 64 bytes, and a reconciler that gives up after 2 refusals
        harness = new ReconcilerHarness(dataDir, "2s").with("RECONCILER_DLQ_MAX_ATTEMPTS", "2");
        harness.stack.createTopic(DeadLetters.topicFor(harness.managedTopic), 1, Map.of("max.message.bytes", "64"));
        ReconcilerService service = harness.startService();

        // when an unreadable record larger than that arrives
        harness.sendManaged("org|+14155550141", "{\"id\": \"no org and no phone, and longer than the dead-letter topic takes\","
                + " \"__deleted\": \"false\"}");

        // then, after bounded replacements of the stream thread, the reconciler is DOWN and says why
        // (each refusal leaves an aborted transaction, so a round takes a few seconds: the bound is generous)
        ComponentHealth down = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .dontCatchUncaughtExceptions()
                .until(service::health, h -> h.status() == ComponentHealth.Status.DOWN && h.details().containsKey("reason"));
        assertThat(String.valueOf(down.details().get("reason")))
                .contains("the dead-letter topic refused an unreadable record 2 times")
                .contains("RECONCILER_DLQ_MAX_ATTEMPTS=2").contains("nothing was committed past it")
                .contains(DeadLetters.topicFor(harness.managedTopic));
        assertThat(harness.registry().get("ssot.failures").tag("failure_point", "stream_thread").counter().count())
                .isGreaterThanOrEqualTo(2.0);
    }
}

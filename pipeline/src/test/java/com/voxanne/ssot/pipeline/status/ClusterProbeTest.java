package com.voxanne.ssot.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** The probe against a Kafka that does not answer: a bounded "unknown", never an exception, and asked once per max age. */
class ClusterProbeTest {
    private static final Duration TIMEOUT = Duration.ofMillis(800);
    private static final Duration MAX_AGE = Duration.ofSeconds(3);

    @Test
    void shouldAnswerUnknownWithinItsTimeoutAndAskAgainOnlyAfterTheMaxAge() throws Exception {
        // given an admin client whose only bootstrap address has nothing listening
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        MovableClock clock = new MovableClock(Instant.parse("2026-12-02T12:00:00Z"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + deadPort,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000))) {
            ClusterProbe probe = new ClusterProbe(new ClusterProbe.Sources(admin,
                    List.of(new ClusterProbe.Service("projector", "ssot-projector", "ssot-projector")), Optional.empty(),
                    topic -> true, Set::of, Map::of), TIMEOUT, MAX_AGE, clock);

            // when the page asks
            long t0 = System.nanoTime();
            Map<String, Object> first = probe.now();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            // then the section says the cluster is unknown, within the timeout (plus the probe's margin)
            assertThat(first.get("error")).asString().startsWith("unknown: ").contains("Timeout");
            assertThat(took).isLessThan(TIMEOUT.multipliedBy(3));

            // and within the max age the same answer is served without asking the cluster again
            clock.advance(MAX_AGE.minusMillis(1));
            t0 = System.nanoTime();
            assertThat(probe.now()).isSameAs(first);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(100));

            // and after it, the cluster is asked again (a new answer)
            clock.advance(Duration.ofMillis(2));
            Map<String, Object> second = probe.now();
            assertThat(second).isNotSameAs(first);
            assertThat(second.get("error")).asString().startsWith("unknown: ");
        }
    }

    /** A clock the test moves by hand, so "a few seconds later" needs no waiting. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

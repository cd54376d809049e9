package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.relay.RelayService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The database password reaches Postgres and nothing else: not the logs (ours or Debezium's), not health. */
class SecretHygieneTest {
    private static final String PASSWORD = "relay-Pw-7f3c9e1b2d";

    @Test
    void shouldNeverLogOrReportTheDatabasePasswordWhenRunningAndFailing() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        String degradedReason;
        String settings;
        try (RelayFixture f = new RelayFixture("secret", Map.of("DATABASE_PASSWORD", PASSWORD, "RELAY_RESTART_BACKOFF_MAX", "1s"))) {
            // given a relay configured with a database password, streaming
            RelayService relay = f.startRelay();
            UUID org = f.insertOrgs(1).get(0);
            f.writeOutbox(List.of(RelayFixture.event(org)));
            try (TopicReader reader = f.reader(f.numbersTopic)) {
                reader.awaitAtLeast(1, Duration.ofSeconds(30));
            }

            // when its stream fails and it restarts
            f.queryOne("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ? AND active", f.slot);
            await().atMost(Duration.ofSeconds(30)).until(() -> f.registry.find("ssot.failures").tag("service", "relay")
                    .counters().stream().mapToDouble(c -> c.count()).sum() >= 1);
            degradedReason = String.valueOf(relay.health().details());
            await().atMost(Duration.ofSeconds(30)).until(() -> relay.health().status() == ComponentHealth.Status.UP);
            settings = relay.settings().toString();
        } finally {
            root.detachAppender(captured);
            captured.stop();
        }

        // then no log line (also of its shutdown), stack trace or health report contains the password
        List<ILoggingEvent> logged = snapshot(captured);
        assertThat(logged).isNotEmpty();
        assertThat(logged).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).doesNotContain(PASSWORD);
            if (e.getThrowableProxy() != null) {
                assertThat(ThrowableProxyUtil.asString(e.getThrowableProxy())).doesNotContain(PASSWORD);
            }
        });
        assertThat(degradedReason).doesNotContain(PASSWORD);
        assertThat(settings).doesNotContain(PASSWORD);
    }

    /**
     * A copy of what the appender holds. Debezium's and Kafka's threads may still be logging, and ListAppender's list is
     * a plain ArrayList: it is written only inside {@code AppenderBase.doAppend}, which holds the appender's monitor.
     */
    private static List<ILoggingEvent> snapshot(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return new ArrayList<>(appender.list);
        }
    }
}

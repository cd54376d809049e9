package com.voxanne.ssot.projector;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ProjectorLifecycleTest {

    @Test
    void shouldHoldEachBatchForTheConfiguredDelayWhenTheTestingKnobIsSet() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_batch_delay", 1)) {
            // given: PROJECTOR_BATCH_DELAY, the knob other tests use to slow the projector below a grace period
            ProjectorSettings slow = ProjectorSettings.from(ConfigSource.of(Map.of("PROJECTOR_BATCH_DELAY", "2s")))
                    .withGroupId(fixture.topic + "-slow");
            assertThat(slow.batchDelay()).isEqualTo(Duration.ofSeconds(2));
            fixture.startProjector(slow, new SimpleMeterRegistry());
            UUID org = fixture.newOrg();
            String phone = newPhone();

            // when
            fixture.send(event(org, phone, Instant.now()));

            // then: no row for a while, then the row
            await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(fixture::rowCount, n -> n == 0);
            fixture.awaitRowCount(1, Duration.ofSeconds(10));
        }
    }

    @Test
    void shouldFailToStartWithAClearErrorAndLeaveNothingRunningWhenKafkaIsUnreachable() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_no_kafka", 1)) {
            // given
            ProjectorSettings settings = ProjectorSettings.from(ConfigSource.of(Map.of("PROJECTOR_START_TIMEOUT", "2s")))
                    .withGroupId(fixture.topic + "-nowhere");
            ProjectorService projector = ProjectorService.withOwnPool(settings, fixture.typedTopic(),
                    new KafkaClients("127.0.0.1:1", Map.of()),
                    new DatabaseSettings(fixture.db.jdbcUrl(), fixture.db.user(), fixture.db.password()),
                    new SimpleMeterRegistry(), Redactor.none());

            // when / then
            assertThatThrownBy(projector::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("did not join consumer group")
                    .hasMessageContaining("PROJECTOR_START_TIMEOUT")
                    .hasMessageContaining("127.0.0.1:1");
            assertThat(projector.health().status()).isEqualTo(ComponentHealth.Status.DOWN);
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("ssot-projector-"));
        }
    }

    @Test
    void shouldReportDownWhenClosed() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("projector_close", 1)) {
            // given
            ProjectorService projector = fixture.startProjector();
            assertThat(projector.health().status()).isEqualTo(ComponentHealth.Status.UP);

            // when
            projector.close();

            // then
            assertThat(projector.health().status()).isEqualTo(ComponentHealth.Status.DOWN);
            assertThat(projector.health().details()).containsEntry("reason", "stopped");
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("ssot-projector-"));
        }
    }
}

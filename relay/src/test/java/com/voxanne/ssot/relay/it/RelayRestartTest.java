package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.relay.it.RelayFixture.OutboxEvent;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** At-least-once across restarts and outages: nothing lost, duplicates only of events already seen. */
class RelayRestartTest {
    private static final Logger log = LoggerFactory.getLogger(RelayRestartTest.class);

    /** Writes outbox transactions until stopped; remembers what was committed, in order, per org. */
    private static final class Writer {
        final List<String> committed = Collections.synchronizedList(new ArrayList<>());
        final Map<String, List<String>> committedByOrg = Collections.synchronizedMap(new LinkedHashMap<>());
        final AtomicBoolean stop = new AtomicBoolean();

        CompletableFuture<Void> start(RelayFixture f, List<UUID> orgs, int maxTransactions) {
            return CompletableFuture.runAsync(() -> {
                try (Connection c = f.db.dataSource().getConnection()) {
                    for (int tx = 0; tx < maxTransactions && !stop.get(); tx++) {
                        List<OutboxEvent> events = new ArrayList<>();
                        for (int i = 0; i < 20; i++) {
                            events.add(RelayFixture.event(orgs.get((tx + i) % orgs.size())));
                        }
                        f.writeOutbox(c, events);
                        for (OutboxEvent e : events) {
                            committed.add(e.eventId());
                            committedByOrg.computeIfAbsent(e.orgId(), k -> Collections.synchronizedList(new ArrayList<>()))
                                    .add(e.eventId());
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("writer failed", e);
                }
            });
        }
    }

    @Test
    void shouldLoseNothingWhenRelayIsStoppedWhileRowsAreBeingWrittenAndStartedAgain() throws Exception {
        try (RelayFixture f = new RelayFixture("restart"); ) {
            // given a streaming relay and a writer committing outbox transactions without pause
            RelayService first = f.startRelay();
            List<UUID> orgs = f.insertOrgs(5);
            Writer writer = new Writer();
            CompletableFuture<Void> writing = writer.start(f, orgs, Integer.MAX_VALUE);
            try (TopicReader reader = f.reader(f.numbersTopic)) {
                reader.awaitAtLeast(200, Duration.ofSeconds(30));

                // when the relay is stopped mid-stream and a new one starts from the stored position
                first.close();
                assertThat(writing).as("the writer is still writing when the relay stops").isNotDone();
                int seenBeforeRestart = reader.all().size();
                RelayService second = f.newRelay();
                second.start();
                reader.awaitAtLeast(seenBeforeRestart + 200, Duration.ofSeconds(30));
                writer.stop.set(true);
                writing.get();

                // then every committed event arrives, duplicates only of events already delivered
                List<String> expected = List.copyOf(writer.committed);
                await("all " + expected.size() + " events relayed").atMost(Duration.ofSeconds(60)).pollInSameThread()
                        .until(() -> {
                            reader.pollOnce(Duration.ofMillis(100));
                            return eventIds(reader.all()).containsAll(expected);
                        });
                List<ConsumerRecord<byte[], byte[]>> records = reader.all();
                Set<String> distinct = new LinkedHashSet<>(idsInOrder(records));
                assertThat(distinct).containsExactlyInAnyOrderElementsOf(expected);
                log.info("MEASURED restart: {} events committed across the restart, {} records on Kafka ({} duplicates)",
                        expected.size(), records.size(), records.size() - distinct.size());
                // and each org's events, first occurrences, are in commit order
                assertThat(firstOccurrenceByOrg(records)).isEqualTo(writer.committedByOrg);
                await("relay UP").atMost(Duration.ofSeconds(30)).until(() -> second.health().status() == ComponentHealth.Status.UP);
            } finally {
                writer.stop.set(true);
            }
        }
    }

    @Test
    void shouldRecoverByItselfWithoutLossWhenItsReplicationConnectionIsKilledMidStream() throws Exception {
        try (RelayFixture f = new RelayFixture("killed", Map.of("RELAY_RESTART_BACKOFF_MAX", "1s"))) {
            // given a streaming relay and a writer committing outbox transactions without pause
            RelayService relay = f.startRelay();
            List<UUID> orgs = f.insertOrgs(5);
            Writer writer = new Writer();
            CompletableFuture<Void> writing = writer.start(f, orgs, Integer.MAX_VALUE);
            try (TopicReader reader = f.reader(f.numbersTopic)) {
                reader.awaitAtLeast(200, Duration.ofSeconds(30));

                // when its replication connection is killed abruptly (as a network cut or a server-side kill would)
                Object killed = f.queryOne("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                        + " WHERE slot_name = ? AND active", f.slot);
                assertThat(killed).as("a walsender was streaming and was killed").isEqualTo(Boolean.TRUE);
                assertThat(writing).as("the writer is still writing when the stream is cut").isNotDone();

                // then the relay restarts its engine by itself and carries on
                await("engine restarted after the kill").atMost(Duration.ofSeconds(30))
                        .until(() -> f.registry.find("ssot.failures").tag("service", "relay").counters().stream()
                                .mapToDouble(c -> c.count()).sum() >= 1);
                int seen = reader.all().size();
                reader.awaitAtLeast(seen + 200, Duration.ofSeconds(30));
                writer.stop.set(true);
                writing.get();

                // and every committed event arrives, duplicates only of events already delivered, order kept per org
                List<String> expected = List.copyOf(writer.committed);
                await("all " + expected.size() + " events relayed").atMost(Duration.ofSeconds(60)).pollInSameThread()
                        .until(() -> {
                            reader.pollOnce(Duration.ofMillis(100));
                            return eventIds(reader.all()).containsAll(expected);
                        });
                List<ConsumerRecord<byte[], byte[]>> records = reader.all();
                Set<String> distinct = new LinkedHashSet<>(idsInOrder(records));
                assertThat(distinct).containsExactlyInAnyOrderElementsOf(expected);
                log.info("MEASURED kill: {} events committed across the cut, {} records on Kafka ({} duplicates)",
                        expected.size(), records.size(), records.size() - distinct.size());
                assertThat(firstOccurrenceByOrg(records)).isEqualTo(writer.committedByOrg);
                await("relay UP again").atMost(Duration.ofSeconds(30))
                        .until(() -> relay.health().status() == ComponentHealth.Status.UP);
            } finally {
                writer.stop.set(true);
            }
        }
    }

    @Test
    void shouldReportDegradedAndCatchUpWithoutLossWhenPostgresIsDownForAWhile() throws Exception {
        try (RelayFixture f = new RelayFixture("pg_outage", Map.of("RELAY_RESTART_BACKOFF_MAX", "2s"))) {
            // given a streaming relay that has relayed a first batch
            RelayService relay = f.startRelay();
            List<UUID> orgs = f.insertOrgs(3);
            List<OutboxEvent> before = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                before.add(RelayFixture.event(orgs.get(i % 3)));
            }
            f.writeOutbox(before);
            try (TopicReader reader = f.reader(f.numbersTopic)) {
                reader.awaitAtLeast(50, Duration.ofSeconds(30));

                // when Postgres goes away
                f.stack.stopPostgres();
                try {
                    // then the relay says so in health, and counts the failure
                    await("relay DEGRADED").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        ComponentHealth h = relay.health();
                        assertThat(h.status()).isEqualTo(ComponentHealth.Status.DEGRADED);
                        assertThat(String.valueOf(h.details().get("reason"))).isNotBlank();
                    });
                    log.info("Health while Postgres is down: {}", relay.health());
                } finally {
                    f.stack.startPostgres();
                }

                // and when Postgres is back, it recovers by itself and relays what is written next
                await("relay UP again").atMost(Duration.ofSeconds(60)).until(() -> relay.health().status() == ComponentHealth.Status.UP);
                List<OutboxEvent> after = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    after.add(RelayFixture.event(orgs.get(i % 3)));
                }
                f.writeOutbox(after);
                List<String> expected = new ArrayList<>();
                before.forEach(e -> expected.add(e.eventId()));
                after.forEach(e -> expected.add(e.eventId()));
                await("all 100 events relayed").atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
                    reader.pollOnce(Duration.ofMillis(100));
                    return eventIds(reader.all()).containsAll(expected);
                });
                assertThat(new LinkedHashSet<>(idsInOrder(reader.all()))).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(f.registry.get("ssot.failures").tag("service", "relay").counters())
                        .anySatisfy(c -> assertThat(c.count()).isPositive());
            }
        }
    }

    private static Set<String> eventIds(List<ConsumerRecord<byte[], byte[]>> records) {
        return new LinkedHashSet<>(idsInOrder(records));
    }

    private static List<String> idsInOrder(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> OutboxRelayTest.header(r, "eventId")).toList();
    }

    private static Map<String, List<String>> firstOccurrenceByOrg(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<String>> byOrg = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String id = OutboxRelayTest.header(r, "eventId");
            if (seen.add(id)) {
                byOrg.computeIfAbsent(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), k -> new ArrayList<>()).add(id);
            }
        }
        return byOrg;
    }
}

package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The slot must not hold WAL forever when the captured tables are quiet but others are busy. */
class SlotHeartbeatTest {

    @Test
    void shouldAdvanceConfirmedFlushLsnWhenOnlyUncapturedTablesChange() throws Exception {
        try (RelayFixture f = new RelayFixture("heartbeat", Map.of("RELAY_HEARTBEAT", "500ms"))) {
            // given a streaming relay on a database whose captured tables stay quiet
            f.startRelay();
            String before = (String) f.queryOne("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?", f.slot);

            // when only tables the relay does not capture change (organisations, saga state)
            f.insertOrgs(20);
            for (int i = 0; i < 20; i++) {
                f.execute("INSERT INTO provisioning_requests (request_id, org_id) VALUES (?, ?)", "req-" + UUID.randomUUID(),
                        UUID.randomUUID().toString());
            }
            String target = (String) f.queryOne("SELECT pg_current_wal_lsn()::text");

            // then the slot's confirmed position moves past those writes, so their WAL can be recycled
            await("confirmed_flush_lsn of " + f.slot + " >= " + target + " (was " + before + ")").atMost(Duration.ofSeconds(30))
                    .until(() -> Boolean.TRUE.equals(f.queryOne(
                            "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?", target, f.slot)));
            // and the heartbeats themselves were not published anywhere
            for (String topic : List.of(f.numbersTopic, f.managedTopic, f.credentialsTopic)) {
                try (TopicReader reader = f.reader(topic)) {
                    reader.pollOnce(Duration.ofMillis(300));
                    assertThat(reader.all()).as("records on %s", topic).isEmpty();
                }
            }
        }
    }
}

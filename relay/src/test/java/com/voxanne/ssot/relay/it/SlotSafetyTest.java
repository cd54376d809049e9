package com.voxanne.ssot.relay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.relay.RelayService;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The slot must not fill the disk unnoticed: its WAL is bounded by the server and alarmed by the relay. */
class SlotSafetyTest {

    @Test
    void shouldTurnDegradedNamingTheAlarmWhenTheSlotKeepsMoreWalThanAllowed() throws Exception {
        // given a relay whose position is not confirmed for a long time, and an alarm at 1 byte
        try (RelayFixture f = new RelayFixture("slotalarm", Map.of("RELAY_SLOT_LAG_ALARM_BYTES", "1",
                "RELAY_OFFSET_FLUSH", "1h", "RELAY_HEARTBEAT", "1h"))) {
            RelayService relay = f.startRelay();

            // when the database writes WAL the slot has not confirmed
            f.insertOrgs(50);

            // then health says how much WAL the slot keeps, against which alarm and which server limit
            ComponentHealth degraded = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(relay::health, h -> h.status() == ComponentHealth.Status.DEGRADED
                            && String.valueOf(h.details().get("reason")).contains("RELAY_SLOT_LAG_ALARM_BYTES=1"));
            assertThat(String.valueOf(degraded.details().get("reason")))
                    .contains("replication slot " + f.slot + " keeps").contains("max_slot_wal_keep_size 4GB");
        }
    }
}

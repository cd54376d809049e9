package com.voxanne.ssot.provisioner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated providers keep what they own across a restart on the same inventory file, as real providers would. */
class SimulatedInventoryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void shouldStillOwnAndHoldEveryNumberAfterARestartButNotReleasedOnes() throws Exception {
        Path file = dir.resolve("simulated-providers.json");
        OwnedNumber kept;
        OwnedNumber released;
        ImportedNumber imported;
        // given numbers bought and imported through the real clients, one of them released again
        try (SimulatedProviders first = SimulatedProviders.start(file)) {
            NumberVendor twilio = first.vendor(TIMEOUT);
            VoiceAgentDirectory vapi = first.directory(TIMEOUT);
            List<String> candidates = twilio.search("US", Optional.of("415"), 2);
            kept = twilio.buy(candidates.get(0), Optional.of("kept"));
            released = twilio.buy(candidates.get(1), Optional.empty());
            imported = vapi.importNumber(kept.phoneNumber(), "kept");
            assertThat(twilio.release(released.sid())).isTrue();
        }
        assertThat(Files.isRegularFile(file)).isTrue();

        // when the providers start again on the same file (new ports, new credentials)
        try (SimulatedProviders second = SimulatedProviders.start(file)) {
            NumberVendor twilio = second.vendor(TIMEOUT);
            VoiceAgentDirectory vapi = second.directory(TIMEOUT);

            // then the account still owns exactly what it owned, Vapi holds the same import, and search skips it
            assertThat(twilio.listOwned()).containsExactly(kept);
            assertThat(twilio.findOwned(released.phoneNumber())).isEmpty();
            assertThat(vapi.findByNumber(kept.phoneNumber())).map(ImportedNumber::id).contains(imported.id());
            assertThat(twilio.search("US", Optional.of("415"), 5)).doesNotContain(kept.phoneNumber());
            assertThat(second.twilio().purchases()).as("restored numbers are not purchases of this run").isZero();
        }
    }

    @Test
    void shouldStartEmptyWithoutAFile() throws Exception {
        try (SimulatedProviders providers = SimulatedProviders.start(dir.resolve("none.json"))) {
            assertThat(providers.vendor(TIMEOUT).listOwned()).isEmpty();
            assertThat(providers.directory(TIMEOUT).listAll()).isEmpty();
        }
    }
}

package com.voxanne.ssot.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.cli.Ssot;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad input to {@code ./ssot release} gets a clear error before anything is looked up or published. */
class ReleaseCommandTest {

    @Test
    void shouldRefuseANumberThatIsNotE164WithExitCode2AndSayWhatItExpects() {
        // given a command that would fail loudly if it got as far as its configuration
        AtomicBoolean configured = new AtomicBoolean();
        CommandLine cli = new CommandLine(new ReleaseCommand(() -> {
            configured.set(true);
            return ConfigSource.of(Map.of());
        }));
        cli.setExecutionExceptionHandler(Ssot.commandLine().getExecutionExceptionHandler());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));

        // when
        int exit = cli.execute("--org", "voxanne@demo.com", "--number", "415-555-0123");

        // then
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--number must be an E.164 number").contains("415-555-0123");
        assertThat(configured).isFalse();
    }

    @Test
    void shouldBuildARequestWithADeterministicEventIdAndNoBlankReason() {
        // when
        var request = ReleaseCommand.request("rel-1", "46cf2995-2bee-44e3-838b-24151486fe4e", "+14155550123", "  ");

        // then
        assertThat(request.getEventId()).isEqualTo(ReleaseCommand.request("rel-1", "x", "+1", null).getEventId());
        assertThat(request.getReason()).isNull();
        assertThat(request.getPhoneNumber()).isEqualTo("+14155550123");
    }
}

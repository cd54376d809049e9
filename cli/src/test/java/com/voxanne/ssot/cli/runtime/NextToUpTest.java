package com.voxanne.ssot.cli.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.config.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NextToUpTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldGiveTheInstanceAFreePortAndAStateDirectoryOfItsOwnAndRemoveADeadInstancesState() throws Exception {
        // given the state directory of a reconciler instance whose process is gone, and one of a live process
        Path instances = Files.createDirectories(dataDir.resolve(NextToUp.INSTANCES_DIR));
        Path dead = Files.createDirectories(instances.resolve("reconciler-" + deadPid()).resolve("store"));
        Path live = Files.createDirectories(instances.resolve("reconciler-" + ProcessHandle.current().parent().orElseThrow().pid()));
        ConfigSource discovered = ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"));

        // when an instance joins with nothing of its own configured
        NextToUp next = NextToUp.of(ConfigSource.of(Map.of()), discovered, dataDir);

        // then it gets any free port and its own state directory, and the dead instance's directory is gone
        Path own = instances.resolve("reconciler-" + ProcessHandle.current().pid()).toAbsolutePath();
        assertThat(next.source().get("SSOT_HTTP_PORT")).contains("0");
        assertThat(next.source().get("RECONCILER_STATE_DIR")).contains(own.toString());
        assertThat(next.source().get("KAFKA_BOOTSTRAP_SERVERS")).contains("127.0.0.1:9092");
        assertThat(dead.getParent()).doesNotExist();
        assertThat(live).exists();

        // and its own directory is removed when it stops
        Files.createDirectories(own.resolve("0_1"));
        next.removeOwnState();
        assertThat(own).doesNotExist();
    }

    @Test
    void shouldKeepThePortAndStateDirectoryTheUserChose() throws Exception {
        Path chosen = Files.createDirectories(dataDir.resolve("reconciler-b").resolve("0_1"));
        ConfigSource user = ConfigSource.of(Map.of("SSOT_HTTP_PORT", "8099", "RECONCILER_STATE_DIR", chosen.getParent().toString()));
        NextToUp next = NextToUp.of(user, user, dataDir);

        assertThat(next.source().get("SSOT_HTTP_PORT")).contains("8099");
        assertThat(next.source().get("RECONCILER_STATE_DIR")).contains(chosen.getParent().toString());
        next.removeOwnState();
        assertThat(chosen).as("the user's state directory is never removed").exists();
    }

    /** The pid of a process that has exited (and been reaped). */
    private static long deadPid() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        return exited.pid();
    }
}

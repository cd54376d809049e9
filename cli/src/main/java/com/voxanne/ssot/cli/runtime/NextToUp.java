package com.voxanne.ssot.cli.runtime;

import com.voxanne.ssot.platform.config.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What one more instance of a service needs when {@code ./ssot run X} joins the stack of a running {@code ./ssot up}
 * (found through the discovery file): the same Kafka, PostgreSQL, registry and simulated providers, and the same
 * consumer groups and Streams application id (the defaults), so it shares the work; but a status server of its own
 * (any free port, unless SSOT_HTTP_PORT is set) and, for the reconciler, a Kafka Streams state directory of its own:
 * Streams locks its state directory, and the {@code up} reconciler holds {@code SSOT_DATA_DIR/reconciler}.
 *
 * <p>The state directory is {@code SSOT_DATA_DIR/instances/reconciler-<pid>}: removed when the instance stops, and a
 * dead instance's (kill -9) removed by the next one that starts. Its stores are restored from the changelogs.
 */
public final class NextToUp {
    static final String INSTANCES_DIR = "instances";
    private static final String RECONCILER_PREFIX = "reconciler-";

    private final ConfigSource source;
    private final Path stateDir;

    private NextToUp(ConfigSource source, Path stateDir) {
        this.source = source;
        this.stateDir = stateDir;
    }

    /**
     * @param user       what the user configured (their SSOT_HTTP_PORT and RECONCILER_STATE_DIR win)
     * @param discovered the user's settings merged with what the running {@code up} announced
     * @param dataDir    the data directory of that {@code up}
     */
    public static NextToUp of(ConfigSource user, ConfigSource discovered, Path dataDir) {
        Map<String, String> own = new HashMap<>();
        if (user.get("SSOT_HTTP_PORT").isEmpty()) {
            own.put("SSOT_HTTP_PORT", "0");
        }
        Path stateDir = null;
        if (user.get("RECONCILER_STATE_DIR").isEmpty()) {
            Path instances = dataDir.resolve(INSTANCES_DIR).toAbsolutePath().normalize();
            removeDeadInstances(instances);
            stateDir = instances.resolve(RECONCILER_PREFIX + ProcessHandle.current().pid());
            own.put("RECONCILER_STATE_DIR", stateDir.toString());
        }
        return new NextToUp(discovered.withOverrides(own), stateDir);
    }

    public ConfigSource source() {
        return source;
    }

    /** Removes this instance's own state directory (after it stopped); keeps a directory the user chose. */
    public void removeOwnState() {
        if (stateDir != null) {
            delete(stateDir);
        }
    }

    /** The state directories of reconciler instances whose process is gone (killed, crashed). */
    private static void removeDeadInstances(Path instances) {
        if (!Files.isDirectory(instances)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(instances)) {
            dirs.filter(d -> d.getFileName().toString().startsWith(RECONCILER_PREFIX))
                    .filter(d -> !alive(d.getFileName().toString().substring(RECONCILER_PREFIX.length())))
                    .forEach(NextToUp::delete);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + instances, e);
        }
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true; // not ours: leave it alone
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the reconciler state directory " + dir, e);
        }
    }
}

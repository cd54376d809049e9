package com.voxanne.ssot.cli.runtime;

import com.voxanne.ssot.embedded.LocalProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The file through which commands run from another terminal find the embedded stack that
 * {@code ./ssot up} started: {@code <SSOT_DATA_DIR>/stack.properties}, written once healthy, removed
 * on shutdown. It holds addresses (and the simulated providers' throw-away credentials), owner-readable only.
 */
public final class Discovery {
    public static final String FILE_NAME = "stack.properties";

    private Discovery() {
    }

    public static Path file(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    public static void write(Path dataDir, Map<String, String> values) throws IOException {
        Files.createDirectories(dataDir);
        Properties props = new Properties();
        props.putAll(values);
        props.put("PID", Long.toString(ProcessHandle.current().pid()));
        Path tmp = Files.createTempFile(dataDir, "stack", ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the data directory's own permissions apply
        }
        try (OutputStream out = Files.newOutputStream(tmp)) {
            props.store(out, "Written by ./ssot up; removed when it stops");
        }
        Files.move(tmp, file(dataDir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The running stack's settings, if a live {@code ./ssot up} wrote them (a stale file is ignored). */
    public static Optional<Map<String, String>> read(Path dataDir) {
        Path f = file(dataDir);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(f)) {
            props.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        String pid = props.getProperty("PID");
        // a zombie (an `up` killed with kill -9 whose parent has not reaped it) is not a running stack
        boolean alive = pid != null && ProcessHandle.of(Long.parseLong(pid)).map(LocalProcesses::isRunning).orElse(false);
        if (!alive) {
            return Optional.empty();
        }
        Map<String, String> values = new HashMap<>();
        props.forEach((k, v) -> values.put(k.toString(), v.toString()));
        values.remove("PID");
        return Optional.of(values);
    }

    public static void remove(Path dataDir) {
        try {
            Files.deleteIfExists(file(dataDir));
        } catch (IOException ignored) {
            // a stale file is ignored by read() because its PID is gone
        }
    }
}

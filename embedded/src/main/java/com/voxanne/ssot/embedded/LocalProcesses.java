package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the embedded stack needs to know about, and do to, local processes it did not start in this JVM. */
public final class LocalProcesses {
    private static final Path PROC = Path.of("/proc");

    private LocalProcesses() {
    }

    /**
     * Alive and not a zombie. An exited process whose parent has not reaped it yet (an orphan re-parented to an init
     * that does not reap, for example) is a zombie: {@link ProcessHandle#isAlive()} calls it alive, but it holds no
     * port, file, lock or memory. Uses /proc where there is one (Linux), else the JDK's view.
     */
    public static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        if (!Files.isDirectory(PROC.resolve("self"))) {
            return true;
        }
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(process.pid())).resolve("stat"));
            int endOfName = stat.lastIndexOf(')');
            char state = endOfName >= 0 && endOfName + 2 < stat.length() ? stat.charAt(endOfName + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return process.isAlive();
        }
    }

    /** The process's arguments (argv, the program first); empty if they cannot be read. */
    public static List<String> arguments(ProcessHandle process) {
        Path cmdline = PROC.resolve(Long.toString(process.pid())).resolve("cmdline");
        if (Files.isReadable(cmdline)) {
            try {
                String raw = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
                return raw.isEmpty() ? List.of() : Arrays.asList(raw.split("\0"));
            } catch (IOException e) {
                return List.of();
            }
        }
        ProcessHandle.Info info = process.info();
        return info.command().map(cmd -> {
            List<String> args = new java.util.ArrayList<>(List.of(cmd));
            info.arguments().ifPresent(a -> args.addAll(List.of(a)));
            return List.copyOf(args);
        }).orElse(List.of());
    }

    /**
     * Asks {@code process} to stop with SIGINT (for PostgreSQL: fast shutdown, clients disconnected, data flushed), and
     * waits up to {@code timeout} for it to exit. Falls back to SIGTERM where no {@code kill} command exists.
     *
     * @return whether it exited in time
     */
    public static boolean interruptAndWait(ProcessHandle process, Duration timeout) {
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                process.destroy();
            }
        } catch (IOException e) {
            process.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return awaitExit(process, timeout);
    }

    /**
     * Waits until {@code process} has exited (zombies count as exited). Polls rather than using
     * {@link ProcessHandle#onExit()}: the process need not be our child, and onExit counts a zombie as alive.
     */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(process)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}

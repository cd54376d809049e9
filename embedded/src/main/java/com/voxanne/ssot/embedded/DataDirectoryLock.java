package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive lock on a data directory: {@code <dir>/.lock}, held by an OS file lock for as long as the owner runs.
 * The kernel releases it when the owner's process ends, however it ends ({@code kill -9} included), so holding it
 * proves that no other live process owns the directory, and that any server still running on it was left behind by
 * an owner that died. The file holds the owner's pid, for messages only.
 */
public final class DataDirectoryLock implements AutoCloseable {
    static final String FILE_NAME = ".lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock on {@code dir} (created if missing).
     *
     * @throws EmbeddedStackException if another process (or this one) holds it, naming the holder's pid
     */
    public static DataDirectoryLock acquire(Path dir) {
        Directories.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = readHolder(file).map(pid -> " (pid " + pid + ")").orElse("");
                channel.close();
                throw new InUse(dir, "data directory " + dir + " is in use by another running process" + holder);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(true);
            return new DataDirectoryLock(file, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new EmbeddedStackException("could not lock data directory " + dir + " (" + file + ")", e);
        }
    }

    /** Whether a live process holds the lock on {@code dir} (this one included). */
    public static boolean isHeld(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock probe = channel.tryLock();
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<String> readHolder(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return pid.isEmpty() ? Optional.empty() : Optional.of(pid);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock (if any) goes with the channel; nothing else to release
            }
        }
    }

    public Path file() {
        return file;
    }

    /** Releases the lock; the file stays (its content is only informational). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            throw new EmbeddedStackException("could not release the lock " + file, e);
        } finally {
            closeQuietly(channel);
        }
    }

    /** The directory is locked by another live process. */
    public static final class InUse extends EmbeddedStackException {
        private final transient Path dir;

        InUse(Path dir, String message) {
            super(message);
            this.dir = dir;
        }

        public Path dir() {
            return dir;
        }
    }
}

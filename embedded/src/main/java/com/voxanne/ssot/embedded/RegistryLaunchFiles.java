package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the schema registry's child JVM is launched with besides Apicurio itself, kept in {@code ssot/} inside the
 * unpacked application (so a fresh unpack starts them over):
 * <ul>
 *   <li>{@code owner-watchdog-<hash>.jar}: {@link OwnerWatchdog} alone, the first entry of the child's classpath. A jar
 *       of its own rather than this module's jar or classes directory: the child's classpath is then the same wherever
 *       this code runs from (a build's {@code target/classes}, the CLI's {@code lib/}), holds nothing else of ours, and
 *       has no directory in it, which class data sharing refuses;</li>
 *   <li>{@code registry-<jvm>-<hash>.jsa}: a dynamic class data sharing archive (AppCDS) of the classes Apicurio loads,
 *       for this JVM build. The first start without one dumps it when the child exits cleanly
 *       ({@code -XX:ArchiveClassesAtExit}, to a temp name holding the owner's pid, moved in place only after a clean
 *       exit); every later start maps it ({@code -XX:SharedArchiveFile}), which halves the registry's start time and CPU
 *       (measured: 3.7 s of CPU and 3.1 s to answer without, 1.9 s and 1.6 s with). A JVM that finds the archive
 *       unusable says so in the registry's log and starts without it.</li>
 * </ul>
 */
final class RegistryLaunchFiles {
    private static final Logger log = LoggerFactory.getLogger(RegistryLaunchFiles.class);
    private static final Pattern DUMP = Pattern.compile("registry-.+\\.jsa\\.(\\d+)\\.tmp");
    /** Exit codes after which a dumped archive is complete: normal exit, SIGTERM (128 + 15), the watchdog's exit. */
    private static final int SIGTERM_EXIT = 143;

    private final Path dir;

    RegistryLaunchFiles(Path installDirectory) {
        this.dir = installDirectory.resolve("ssot");
    }

    /** The watchdog's own jar, written once (never replaced: an archive made with it checks its size and time). */
    Path watchdogJar() {
        byte[] bytes = watchdogClassBytes();
        Path jar = dir.resolve("owner-watchdog-" + shortHash(bytes) + ".jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Directories.createDirectories(dir);
        try {
            Path tmp = Files.createTempFile(dir, "owner-watchdog-", ".tmp");
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            try (OutputStream file = Files.newOutputStream(tmp); JarOutputStream out = new JarOutputStream(file, manifest)) {
                JarEntry entry = new JarEntry(OwnerWatchdog.class.getName().replace('.', '/') + ".class");
                entry.setTime(0);
                out.putNextEntry(entry);
                out.write(bytes);
                out.closeEntry();
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: its defaults apply
            }
            try {
                Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(tmp); // another JVM wrote the same bytes first: keep its file
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + jar, e);
        }
    }

    /** The archive for this JVM and watchdog jar (it may not exist yet). */
    Path archive(Path watchdogJar) {
        String jvm = (System.getProperty("java.vm.version") + "-" + shortHash(System.getProperty("java.home").getBytes()))
                .replaceAll("[^A-Za-z0-9._-]", "_");
        String watchdog = watchdogJar.getFileName().toString().replace("owner-watchdog-", "").replace(".jar", "");
        return dir.resolve("registry-" + jvm + "-" + watchdog + ".jsa");
    }

    /** Whether the archive exists and may be mapped. */
    static boolean usable(Path archive) {
        try {
            return Files.isRegularFile(archive) && Files.size(archive) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Where a child of this owner dumps the archive (a temp name with this JVM's pid); dumps of dead owners are deleted first. */
    Path dumpTarget(Path archive) {
        deleteDumpsOfDeadOwners();
        Path dump = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.deleteIfExists(dump);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dump, e);
        }
        return dump;
    }

    /** After the child that dumped to {@code dump} exited with {@code exitCode}: moves a complete dump in place, else deletes it. */
    static void promote(Path dump, Path archive, int exitCode) {
        try {
            boolean clean = exitCode == 0 || exitCode == SIGTERM_EXIT || exitCode == OwnerWatchdog.OWNER_GONE_EXIT_CODE;
            if (clean && usable(dump)) {
                Files.move(dump, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                log.info("Schema registry class data sharing archive written: {} ({} MB); later starts use it", archive,
                        Files.size(archive) / 1_000_000);
            } else {
                Files.deleteIfExists(dump);
            }
        } catch (IOException e) {
            log.warn("Could not keep the schema registry's class data sharing archive {}: {}", archive, e.toString());
        }
    }

    private void deleteDumpsOfDeadOwners() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "registry-*.jsa.*.tmp")) {
            for (Path f : files) {
                Matcher m = DUMP.matcher(f.getFileName().toString());
                if (m.matches()) {
                    Optional<ProcessHandle> owner = ProcessHandle.of(Long.parseLong(m.group(1)));
                    if (owner.map(LocalProcesses::isRunning).orElse(false)) {
                        continue; // that owner's registry may be dumping right now
                    }
                }
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            log.debug("Could not clean up old class data sharing dumps in {}: {}", dir, e.toString());
        }
    }

    private static byte[] watchdogClassBytes() {
        String resource = OwnerWatchdog.class.getSimpleName() + ".class";
        try (InputStream in = OwnerWatchdog.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no " + resource + " next to " + OwnerWatchdog.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + resource, e);
        }
    }

    private static String shortHash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1 in this JDK", e);
        }
    }
}

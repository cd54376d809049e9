package com.voxanne.ssot.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apicurio Registry {@value #VERSION}'s application archive ({@code io.apicurio:apicurio-registry-app:}{@value #VERSION}
 * {@code :tar.gz:all} on Maven Central), found in or downloaded into the local Maven repository, and unpacked there once.
 *
 * <p>Maven cannot resolve this artifact as a dependency (its parent pom {@code io.apicurio:apicurio-registry} is not on
 * Maven Central), so the build does not bring it: the first start looks for it at the artifact's place in the local
 * repository ({@code maven.repo.local} if that system property is set, else {@code ~/.m2/repository}; a
 * {@code localRepository} set only in {@code settings.xml} is not read), and downloads it there if it is missing, from
 * {@value #DEFAULT_REPOSITORY_URL} or the repository named by {@value #REPOSITORY_URL_ENV}. A download goes to a temp
 * file next to its final place, must have the pinned SHA-1 {@value #SHA1} (anything else is refused and deleted), and is
 * then moved in place atomically, so a half-downloaded or tampered archive is never used.
 *
 * <p>It is unpacked into {@code apicurio-registry-app-3.0.9-all/} NEXT TO THE ARCHIVE (not under {@code java.io.tmpdir}
 * as zonky does for PostgreSQL): zonky unpacks from a jar already on the classpath, cheap to redo, whereas this archive
 * lives in the Maven repository anyway; next to it the 111 MB are unpacked once per machine instead of once per temp
 * directory (the packaged-jar tests give every run its own), and no tmp cleaner (systemd-tmpfiles ages out files under
 * /tmp) can delete jars from under an unpacked directory that still looks complete. A marker file written last (holding
 * the archive's SHA-1) tells a complete directory from a half-unpacked one, which is deleted and unpacked again.
 *
 * <p>Several JVMs (test modules, {@code ./ssot up} and tests) may prepare it at once: an OS file lock next to the
 * archive serializes the download and the unpacking across processes, a monitor across threads of one JVM.
 */
public final class RegistryDistribution {
    public static final String VERSION = "3.0.9";
    /** SHA-1 of {@code apicurio-registry-app-3.0.9-all.tar.gz} as published on Maven Central (its {@code .sha1}). */
    public static final String SHA1 = "4deac01752711c32da5662e7b778b61c5e904746";
    /** Size of that archive in bytes. */
    public static final long SIZE = 108_860_403L;
    public static final String DEFAULT_REPOSITORY_URL = "https://repo.maven.apache.org/maven2";
    /** Environment variable naming another Maven repository (a mirror) to download the archive from. */
    public static final String REPOSITORY_URL_ENV = "SSOT_MAVEN_REPOSITORY_URL";
    /** The artifact's directory in a Maven repository layout. */
    public static final String ARTIFACT_PATH = "io/apicurio/apicurio-registry-app/" + VERSION;
    public static final String ARCHIVE_NAME = "apicurio-registry-app-" + VERSION + "-all.tar.gz";
    static final String RUNNER_JAR = "apicurio-registry-app-" + VERSION + "-runner.jar";
    static final String INSTALL_DIR_NAME = "apicurio-registry-app-" + VERSION + "-all";
    static final String MARKER = ".ssot-unpacked";
    private static final String LOCK_FILE = ".ssot-apicurio-registry.lock";

    private static final Logger log = LoggerFactory.getLogger(RegistryDistribution.class);
    private static final Object JVM_LOCK = new Object();
    private static final int CONNECT_TIMEOUT_MS = 30_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    private final Path localRepository;
    private final URI repositoryUrl;

    /**
     * @param localRepository root of a Maven repository layout (e.g. {@code ~/.m2/repository})
     * @param repositoryUrl   root of the remote Maven repository to download from when the archive is missing
     */
    public RegistryDistribution(Path localRepository, URI repositoryUrl) {
        this.localRepository = Objects.requireNonNull(localRepository, "localRepository").toAbsolutePath().normalize();
        this.repositoryUrl = Objects.requireNonNull(repositoryUrl, "repositoryUrl");
    }

    /** The local repository from {@code maven.repo.local} (else {@code ~/.m2/repository}), the remote one from {@value #REPOSITORY_URL_ENV}. */
    public static RegistryDistribution fromEnvironment() {
        return new RegistryDistribution(defaultLocalRepository(), repositoryUrl(System.getenv(REPOSITORY_URL_ENV)));
    }

    static Path defaultLocalRepository() {
        String configured = System.getProperty("maven.repo.local");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    static URI repositoryUrl(String configured) {
        String url = configured == null || configured.isBlank() ? DEFAULT_REPOSITORY_URL : configured.trim();
        return URI.create(url.endsWith("/") ? url : url + "/");
    }

    /** Where the archive is (or will be) in the local repository. */
    public Path archive() {
        return localRepository.resolve(ARTIFACT_PATH).resolve(ARCHIVE_NAME);
    }

    /** Where the archive is downloaded from when it is not in the local repository. */
    public URI downloadUrl() {
        return repositoryUrl.resolve(ARTIFACT_PATH + "/" + ARCHIVE_NAME);
    }

    /** The unpacked application: the runner jar and its {@code lib/}. */
    public Path installDirectory() {
        return archive().resolveSibling(INSTALL_DIR_NAME);
    }

    /** {@code apicurio-registry-app-3.0.9-runner.jar} in the {@link #installDirectory()}. */
    public Path runnerJar() {
        return installDirectory().resolve(RUNNER_JAR);
    }

    /** Whether it is unpacked completely (nothing to download or unpack). */
    public boolean isInstalled() {
        Path marker = installDirectory().resolve(MARKER);
        try {
            return Files.isRegularFile(marker) && Files.readString(marker, StandardCharsets.US_ASCII).trim().equals(SHA1)
                    && Files.isRegularFile(runnerJar());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Makes sure the application is unpacked, downloading the archive first if the local repository lacks it. Cheap once
     * done (one marker file is read). Safe to call from several threads and processes at once.
     *
     * @return the runner jar
     * @throws EmbeddedStackException if the archive is missing and cannot be downloaded (the message names the URL and
     *                                the path to put the file at), has the wrong checksum, or cannot be unpacked
     */
    public Path prepare() {
        if (isInstalled()) {
            return runnerJar();
        }
        synchronized (JVM_LOCK) {
            Path dir = archive().getParent();
            Directories.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                if (isInstalled()) {
                    return runnerJar(); // another process did it while this one waited
                }
                if (!Files.isRegularFile(archive())) {
                    download();
                } else {
                    requireChecksum(archive(), sha1Of(archive()));
                }
                unpackVerified();
                return runnerJar();
            } catch (IOException e) {
                throw new EmbeddedStackException("could not lock " + dir.resolve(LOCK_FILE) + " to prepare Apicurio Registry " + VERSION, e);
            }
        }
    }

    private void download() {
        Path target = archive();
        URI url = downloadUrl();
        log.info("Downloading Apicurio Registry {} ({} MB, once) from {} to {}", VERSION, SIZE / 1_000_000, url, target);
        long t0 = System.nanoTime();
        Path partial;
        try {
            partial = Files.createTempFile(target.getParent(), ARCHIVE_NAME + ".", ".part");
        } catch (IOException e) {
            throw new EmbeddedStackException("could not create a file in " + target.getParent() + " for the download of " + url, e);
        }
        try {
            String sha1 = fetch(url, partial);
            requireChecksum(url.toString(), sha1);
            readableByAll(partial); // a temp file is owner-only; the repository's other files are not
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            log.info("Downloaded Apicurio Registry {} in {} ms", VERSION, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new EmbeddedStackException("could not download Apicurio Registry " + VERSION + " from " + url + " (" + e
                    + "). Without network access, put the file at " + target + " (SHA-1 " + SHA1 + ", " + SIZE
                    + " bytes), or set " + REPOSITORY_URL_ENV + " to a Maven repository that serves it", e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // a stray .part file is never used (only the verified, moved archive is)
            }
        }
    }

    private static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its defaults apply
        }
    }

    /** Streams {@code url} into {@code file}; returns the SHA-1 of what arrived. */
    private static String fetch(URI url, Path file) throws IOException {
        URL u = url.toURL();
        HttpURLConnection connection = (HttpURLConnection) u.openConnection();
        connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
        connection.setReadTimeout(READ_TIMEOUT_MS); // per read: a stalled transfer fails instead of hanging
        connection.setInstanceFollowRedirects(true);
        connection.setRequestProperty("User-Agent", "ssot-pipeline (Java " + System.getProperty("java.version") + ")");
        try {
            int status = connection.getResponseCode();
            if (status != HttpURLConnection.HTTP_OK) {
                throw new IOException("HTTP " + status + " " + Objects.toString(connection.getResponseMessage(), ""));
            }
            MessageDigest digest = sha1();
            try (InputStream in = new DigestInputStream(new BufferedInputStream(connection.getInputStream(), 1 << 16), digest);
                    OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                in.transferTo(out);
            }
            return HexFormat.of().formatHex(digest.digest());
        } finally {
            connection.disconnect();
        }
    }

    private static void requireChecksum(Object what, String sha1) {
        if (!SHA1.equals(sha1)) {
            throw new EmbeddedStackException("refusing Apicurio Registry archive " + what + ": its SHA-1 is " + sha1 + ", expected "
                    + SHA1 + " (" + ARCHIVE_NAME + " on Maven Central)"
                    + (what instanceof Path p ? ". Delete " + p + " and it is downloaded again" : ""));
        }
    }

    private void unpackVerified() {
        Path target = installDirectory();
        long t0 = System.nanoTime();
        Directories.deleteRecursively(target); // whatever a previous attempt left there, without its marker
        unpack(archive(), target);
        Path marker = target.resolve(MARKER);
        try {
            Path tmp = Files.createTempFile(target, MARKER, ".tmp");
            Files.writeString(tmp, SHA1 + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + marker, e);
        }
        if (!Files.isRegularFile(runnerJar())) {
            throw new EmbeddedStackException(archive() + " holds no " + RUNNER_JAR);
        }
        log.info("Unpacked Apicurio Registry {} into {} in {} ms", VERSION, target, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * Unpacks a {@code .tar.gz} of regular files and directories into {@code target}. Refuses an entry whose path leaves
     * {@code target} ({@code ../x}, {@code /etc/x}) and any link or device entry, before writing anything outside.
     */
    static void unpack(Path archive, Path target) {
        Path root = target.toAbsolutePath().normalize();
        Directories.createDirectories(root);
        try (InputStream file = Files.newInputStream(archive);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(file, 1 << 16), 1 << 16))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = root.resolve(entry.getName()).normalize();
                if (!out.startsWith(root) || out.equals(root) && !entry.isDirectory()) {
                    throw new EmbeddedStackException("refusing " + archive + ": entry '" + entry.getName() + "' points outside " + root);
                }
                if (entry.isSymbolicLink() || entry.isLink() || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                    // checked first: commons-compress calls every entry that is not a directory a file
                    throw new EmbeddedStackException("refusing " + archive + ": entry '" + entry.getName() + "' is a "
                            + (entry.isSymbolicLink() || entry.isLink() ? "link" : "special file") + ", not a file or directory");
                }
                if (entry.isDirectory()) {
                    Directories.createDirectories(out);
                } else if (entry.isFile()) {
                    Directories.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    throw new EmbeddedStackException("refusing " + archive + ": entry '" + entry.getName() + "' is neither a file nor a directory");
                }
            }
        } catch (IOException e) {
            throw new EmbeddedStackException("could not unpack " + archive + " into " + root, e);
        }
    }

    static String sha1Of(Path file) {
        MessageDigest digest = sha1();
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        return HexFormat.of().formatHex(digest.digest()).toLowerCase(Locale.ROOT);
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1 in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "RegistryDistribution[Apicurio Registry " + VERSION + ", " + archive() + "]";
    }
}

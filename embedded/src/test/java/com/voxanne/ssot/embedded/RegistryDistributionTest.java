package com.voxanne.ssot.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryDistributionTest {
    private static final String ARCHIVE_PATH = "/" + RegistryDistribution.ARTIFACT_PATH + "/" + RegistryDistribution.ARCHIVE_NAME;

    @TempDir
    Path dir;

    private HttpServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void shouldFindTheArchiveInTheMavenRepositoryLayout() {
        RegistryDistribution d = new RegistryDistribution(dir.resolve("repo"), RegistryDistribution.repositoryUrl(null));

        assertThat(d.archive()).isEqualTo(dir.resolve("repo/io/apicurio/apicurio-registry-app/3.0.9/apicurio-registry-app-3.0.9-all.tar.gz"));
        assertThat(d.downloadUrl()).hasToString(
                "https://repo.maven.apache.org/maven2/io/apicurio/apicurio-registry-app/3.0.9/apicurio-registry-app-3.0.9-all.tar.gz");
        assertThat(RegistryDistribution.repositoryUrl("http://mirror.local/maven")).hasToString("http://mirror.local/maven/");
        assertThat(d.installDirectory()).isEqualTo(d.archive().resolveSibling("apicurio-registry-app-3.0.9-all"));
        assertThat(d.isInstalled()).isFalse();
    }

    @Test
    void shouldRefuseADownloadWithTheWrongChecksumAndLeaveNothingInPlace() throws Exception {
        // given a repository that serves other bytes under the archive's name
        AtomicInteger requests = new AtomicInteger();
        byte[] wrong = "not the Apicurio archive".getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/maven2/", exchange -> {
            requests.incrementAndGet();
            int status = exchange.getRequestURI().getPath().equals("/maven2" + ARCHIVE_PATH) ? 200 : 404;
            exchange.sendResponseHeaders(status, status == 200 ? wrong.length : -1);
            if (status == 200) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(wrong);
                }
            }
            exchange.close();
        });
        server.start();
        Path repo = dir.resolve("repo");
        RegistryDistribution d = new RegistryDistribution(repo,
                RegistryDistribution.repositoryUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/maven2"));

        // when it is prepared, then the download is refused naming both checksums
        assertThatThrownBy(d::prepare)
                .isInstanceOf(EmbeddedStackException.class)
                .hasMessageContaining("SHA-1 is " + RegistryDistribution.sha1Of(write(dir.resolve("wrong"), wrong)))
                .hasMessageContaining("expected " + RegistryDistribution.SHA1);
        assertThat(requests).hasValue(1);

        // and neither the archive nor a partial download nor an install directory is left
        assertThat(d.archive()).doesNotExist();
        assertThat(d.installDirectory()).doesNotExist();
        try (Stream<Path> files = Files.list(d.archive().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part") || n.endsWith(".tar.gz"));
        }
    }

    @Test
    void shouldDownloadAndUnpackOnceWhenSeveralJvmsAndThreadsPrepareAtOnce() throws Exception {
        // given a repository that serves the real archive (from this machine's local repository), counting downloads
        Path real = RegistryDistribution.fromEnvironment().archive();
        assumeTrue(Files.isRegularFile(real), "the real archive is in the local repository (" + real + ")");
        AtomicInteger downloads = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.createContext("/maven2/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/maven2" + ARCHIVE_PATH)) {
                downloads.incrementAndGet();
                exchange.sendResponseHeaders(200, Files.size(real));
                try (OutputStream out = exchange.getResponseBody()) {
                    Files.copy(real, out);
                }
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
        Path repo = dir.resolve("repo");
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/maven2/";
        RegistryDistribution d = new RegistryDistribution(repo, URI.create(url));

        // when another JVM and three threads of this one prepare it at the same time
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), RegistryPrepareMain.class.getName(), repo.toString(), url)
                .redirectErrorStream(true).start();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(3);
        List<java.util.concurrent.Future<Path>> mine = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mine.add(threads.submit(d::prepare));
        }
        String otherOutput = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(other.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        threads.shutdown();

        // then all four got the same runner jar, it was downloaded exactly once, and the directory is complete
        assertThat(other.exitValue()).as(otherOutput).isZero();
        assertThat(otherOutput).contains("RUNNER " + d.runnerJar());
        for (java.util.concurrent.Future<Path> f : mine) {
            assertThat(f.get(120, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(d.runnerJar());
        }
        assertThat(downloads).hasValue(1);
        assertThat(d.isInstalled()).isTrue();
        assertThat(d.runnerJar()).isRegularFile();
        assertThat(d.installDirectory().resolve("lib")).isDirectory();
        assertThat(RegistryDistribution.sha1Of(d.archive())).isEqualTo(RegistryDistribution.SHA1);
    }

    @Test
    void shouldNameTheUrlAndThePathWhenItCannotDownload() {
        // given no archive locally and a repository nobody listens on
        int closedPort = LocalPorts.freePort();
        RegistryDistribution d = new RegistryDistribution(dir.resolve("repo"),
                RegistryDistribution.repositoryUrl("http://127.0.0.1:" + closedPort + "/maven2"));

        // then the error says where it tried and where to put the file by hand
        assertThatThrownBy(d::prepare)
                .isInstanceOf(EmbeddedStackException.class)
                .hasMessageContaining(d.downloadUrl().toString())
                .hasMessageContaining("put the file at " + d.archive())
                .hasMessageContaining(RegistryDistribution.SHA1)
                .hasMessageContaining(RegistryDistribution.REPOSITORY_URL_ENV);
        assertThat(d.archive()).doesNotExist();
    }

    @Test
    void shouldRefuseAnArchiveInTheLocalRepositoryWithTheWrongChecksum() throws Exception {
        // given a corrupt file where the archive belongs
        RegistryDistribution d = new RegistryDistribution(dir.resolve("repo"), URI.create("http://127.0.0.1:9/"));
        Files.createDirectories(d.archive().getParent());
        Files.writeString(d.archive(), "truncated");

        // then it is not unpacked, and the message says to delete it
        assertThatThrownBy(d::prepare)
                .isInstanceOf(EmbeddedStackException.class)
                .hasMessageContaining("refusing Apicurio Registry archive " + d.archive())
                .hasMessageContaining("Delete " + d.archive());
        assertThat(d.installDirectory()).doesNotExist();
    }

    @Test
    void shouldUnpackFilesAndDirectories() throws Exception {
        Path archive = tarGz(dir.resolve("ok.tar.gz"), List.of(directory("lib/"), file("lib/a.jar", "A"), file("runner.jar", "R")));

        RegistryDistribution.unpack(archive, dir.resolve("out"));

        assertThat(dir.resolve("out/lib/a.jar")).hasContent("A");
        assertThat(dir.resolve("out/runner.jar")).hasContent("R");
    }

    @Test
    void shouldRefuseAnEntryThatLeavesTheTargetDirectory() throws Exception {
        // given an archive whose second entry climbs out of the target
        Path archive = tarGz(dir.resolve("evil.tar.gz"), List.of(file("ok.txt", "fine"), file("../escaped.txt", "evil")));
        Path target = dir.resolve("nested/out");

        // then unpacking refuses it and nothing is written outside the target
        assertThatThrownBy(() -> RegistryDistribution.unpack(archive, target))
                .isInstanceOf(EmbeddedStackException.class)
                .hasMessageContaining("'../escaped.txt' points outside " + target);
        assertThat(dir.resolve("nested/escaped.txt")).doesNotExist();
    }

    @Test
    void shouldRefuseLinkEntries() throws Exception {
        TarArchiveEntry link = new TarArchiveEntry("lib/passwd", TarConstants.LF_SYMLINK);
        link.setLinkName("/etc/passwd");
        Path archive = tarGz(dir.resolve("link.tar.gz"), List.of(new Entry(link, null)));

        assertThatThrownBy(() -> RegistryDistribution.unpack(archive, dir.resolve("out")))
                .isInstanceOf(EmbeddedStackException.class)
                .hasMessageContaining("'lib/passwd' is a link");
        assertThat(dir.resolve("out/lib/passwd")).doesNotExist();
    }

    private record Entry(TarArchiveEntry header, byte[] content) {
    }

    private static Entry file(String name, String content) {
        TarArchiveEntry e = new TarArchiveEntry(name, true); // preserve the name as given, "../" included
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        e.setSize(bytes.length);
        return new Entry(e, bytes);
    }

    private static Entry directory(String name) {
        return new Entry(new TarArchiveEntry(name), null);
    }

    private static Path tarGz(Path file, List<Entry> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            for (Entry e : entries) {
                tar.putArchiveEntry(e.header());
                if (e.content() != null) {
                    tar.write(e.content());
                }
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    private static Path write(Path file, byte[] bytes) throws IOException {
        return Files.write(file, bytes);
    }
}

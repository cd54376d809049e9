package com.voxanne.ssot.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedSchemaRegistryTest {
    private static final Duration GENEROUS = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void shouldServeTheConfluentApiAndKeepSubjectsAndIdsAcrossStopAndStartOnTheSamePort() throws Exception {
        Path dataDir = dir.resolve("registry");
        long t0 = System.nanoTime();
        try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().dataDir(dataDir).build().start()) {
            System.out.printf("schema registry started (new data directory) in %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            // given a registry that answers, with no subjects yet, at the Confluent-compatible base URL
            int port = registry.port();
            assertThat(registry.url()).isEqualTo("http://127.0.0.1:" + port + "/apis/ccompat/v7");
            assertThat(RegistryHttp.subjects(registry.url())).isEqualTo("[]");
            assertThat(registry.logFile()).isEqualTo(dir.resolve("registry.log")).isNotEmptyFile();

            // when a schema is registered
            String registered = RegistryHttp.registerRecord(registry.url(), "kept-value", "Kept");
            assertThat(registered).matches("\\{\"id\":\\d+}");
            int id = Integer.parseInt(registered.replaceAll("\\D", ""));
            ProcessHandle first = registry.process().orElseThrow();

            // and the registry stops: its process is gone, nothing answers
            registry.stop();
            assertThat(registry.isRunning()).isFalse();
            assertThat(first.isAlive()).isFalse();
            assertThatThrownBy(() -> RegistryHttp.subjects(registry.url())).isInstanceOf(IOException.class);

            // when it starts again
            long t1 = System.nanoTime();
            registry.start();
            System.out.printf("schema registry restarted (existing data) in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1));

            // then on the same port, with the subject under the same id
            assertThat(registry.port()).isEqualTo(port);
            assertThat(registry.process().orElseThrow().pid()).isNotEqualTo(first.pid());
            assertThat(RegistryHttp.subjects(registry.url())).isEqualTo("[\"kept-value\"]");
            assertThat(RegistryHttp.schemaById(registry.url(), id)).contains("Kept");
            assertThat(RegistryHttp.registerRecord(registry.url(), "kept-value", "Kept")).isEqualTo(registered);
            first = registry.process().orElseThrow();
            registry.close();

            // then close leaves no process and frees the port; the watchdog had nothing to do (its owner lives)
            assertThat(first.isAlive()).isFalse();
            assertThat(LocalPorts.isFree(port)).isTrue();
            assertThat(Files.readString(registry.logFile(), StandardCharsets.UTF_8)).doesNotContain("[ssot watchdog]");
        }
        assertThat(dataDir).isDirectory(); // a given data directory is kept
    }

    @Test
    void shouldRefuseASecondRegistryOnTheSameDataDirectory() {
        Path dataDir = dir.resolve("registry");
        try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(dataDir)) {
            EmbeddedSchemaRegistry second = EmbeddedSchemaRegistry.builder().dataDir(dataDir).build();
            assertThatThrownBy(second::start).isInstanceOf(DataDirectoryLock.InUse.class);
            assertThat(registry.isRunning()).isTrue();
        }
    }

    @Test
    void shouldNotOutliveAnOwnerKilledWithSigkill() throws Exception {
        // given a registry owned by another JVM
        Path dataDir = dir.resolve("registry");
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-Dmaven.repo.local=" + RegistryDistribution.defaultLocalRepository(),
                "-cp", System.getProperty("java.class.path"), RegistryOwnerMain.class.getName(), dataDir.toString())
                .redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        CompletableFuture<String> announced = readAnnouncement(owner, output);
        String[] announcement;
        try {
            announcement = announced.get(GENEROUS.toSeconds(), TimeUnit.SECONDS).split(" ");
        } catch (Exception e) {
            owner.destroyForcibly();
            throw new AssertionError("the owner JVM did not start a registry: " + output, e);
        }
        ProcessHandle registry = ProcessHandle.of(Long.parseLong(announcement[1])).orElseThrow();
        String url = announcement[2];
        String registered = RegistryHttp.registerRecord(url, "survivor-value", "Survivor");

        // when the owner is killed with SIGKILL (no shutdown hook runs)
        owner.destroyForcibly();
        assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // then its registry goes too, by itself
        long t0 = System.nanoTime();
        await("registry pid " + registry.pid() + " gone after its owner's kill -9").atMost(GENEROUS)
                .pollInterval(Duration.ofMillis(100)).until(() -> !LocalProcesses.isRunning(registry));
        System.out.printf("registry gone %d ms after its owner was killed%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertThat(Files.readString(dir.resolve("registry.log"), StandardCharsets.UTF_8)).contains("is gone (");

        // and a new owner finds the subject where the dead one left it
        try (EmbeddedSchemaRegistry again = EmbeddedSchemaRegistry.start(dataDir)) {
            assertThat(RegistryHttp.subjects(again.url())).isEqualTo("[\"survivor-value\"]");
            assertThat(RegistryHttp.registerRecord(again.url(), "survivor-value", "Survivor")).isEqualTo(registered);
        }
    }

    @Test
    void shouldFailClearlyWhenThePortIsTaken() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().dataDir(dir.resolve("registry"))
                    .port(taken.getLocalPort()).build();
            assertThatThrownBy(registry::start)
                    .isInstanceOf(EmbeddedStackException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining("taken");
            registry.close();
        }
    }

    private static CompletableFuture<String> readAnnouncement(Process owner, List<String> output) {
        CompletableFuture<String> announced = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                    }
                    if (line.startsWith("REGISTRY ")) {
                        announced.complete(line);
                    }
                }
                announced.completeExceptionally(new IllegalStateException("owner output ended"));
            } catch (IOException e) {
                announced.completeExceptionally(e);
            }
        }, "registry-owner-output");
        reader.setDaemon(true);
        reader.start();
        return announced;
    }
}

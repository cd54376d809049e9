package com.voxanne.ssot.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStackTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldStartKafkaPostgresAndTheSchemaRegistryAndKeepTheirDataAcrossStarts() throws Exception {
        // given a stack started fresh, with a topic, a row and a schema written
        String clusterId;
        int postgresPort;
        String registered;
        long t0 = System.nanoTime();
        try (EmbeddedStack stack = EmbeddedStack.start(dataDir, true)) {
            long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("embedded stack started fresh in %d ms%n", startMillis);
            clusterId = stack.kafka().clusterId().orElseThrow();
            postgresPort = stack.postgres().port();
            assertThat(stack.schemaRegistryUrl()).isEqualTo("http://127.0.0.1:" + stack.schemaRegistry().port() + "/apis/ccompat/v7");
            assertThat(stack.schemaRegistry().dataDir()).isEqualTo(dataDir.resolve("registry"));
            assertThat(stack.schemaRegistry().logFile()).isEqualTo(dataDir.resolve("registry.log"));
            assertThat(RegistryHttp.subjects(stack.schemaRegistryUrl())).isEqualTo("[]");
            registered = RegistryHttp.registerRecord(stack.schemaRegistryUrl(), "stack.test-value", "StackTest");
            try (Admin admin = admin(stack)) {
                admin.createTopics(List.of(new NewTopic("stack.test", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (Connection c = stack.postgres().connect("postgres"); Statement s = c.createStatement()) {
                // then PostgreSQL runs with the settings log-based CDC needs
                assertThat(setting(s, "wal_level")).isEqualTo("logical");
                assertThat(setting(s, "synchronous_commit")).isEqualTo("on");
                assertThat(setting(s, "fsync")).isEqualTo("on");
                assertThat(Integer.parseInt(setting(s, "max_replication_slots"))).isGreaterThanOrEqualTo(20);
                assertThat(Integer.parseInt(setting(s, "max_wal_senders"))).isGreaterThanOrEqualTo(20);
                s.execute("CREATE TABLE kept (v text)");
                s.execute("INSERT INTO kept VALUES ('still here')");
            }
        }
        // then no postgres or registry process is left on that data directory
        assertThat(postgresProcessesOn(dataDir)).isEmpty();
        assertThat(registryProcessesOn(dataDir)).isEmpty();

        // when it starts again on the same directory, not fresh
        long t1 = System.nanoTime();
        try (EmbeddedStack again = EmbeddedStack.start(dataDir, false)) {
            System.out.printf("embedded stack started again (existing data) in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1));
            // then Kafka was not re-formatted and kept its topic, PostgreSQL kept its row, the registry its subject and id
            assertThat(again.kafka().clusterId()).contains(clusterId);
            assertThat(RegistryHttp.subjects(again.schemaRegistryUrl())).isEqualTo("[\"stack.test-value\"]");
            assertThat(RegistryHttp.registerRecord(again.schemaRegistryUrl(), "stack.test-value", "StackTest")).isEqualTo(registered);
            try (Admin admin = admin(again)) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("stack.test");
            }
            try (Connection c = again.postgres().connect("postgres"); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("still here");
            }
            assertThat(postgresPort).isPositive();
        }

        // when it starts fresh, the old data is gone
        try (EmbeddedStack fresh = EmbeddedStack.start(dataDir, true)) {
            assertThat(fresh.kafka().clusterId()).isPresent().get().isNotEqualTo(clusterId);
            try (Admin admin = admin(fresh)) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("stack.test");
            }
            assertThat(RegistryHttp.subjects(fresh.schemaRegistryUrl())).isEqualTo("[]");
        }
    }

    @Test
    void shouldLeaveNoNonDaemonThreadAndNoProcessAfterClose() {
        // given the non-daemon threads before the stack
        Set<String> before = nonDaemonThreads();

        // when a stack starts, restarts Kafka, stops and starts PostgreSQL and the registry, and closes
        EmbeddedStack stack = EmbeddedStack.start(dataDir, true);
        int kafkaPort = stack.kafka().port();
        int postgresPort = stack.postgres().port();
        int registryPort = stack.schemaRegistry().port();
        stack.kafka().restart();
        stack.postgres().stop();
        stack.postgres().start();
        ProcessHandle firstRegistry = stack.schemaRegistry().process().orElseThrow();
        stack.schemaRegistry().stop();
        stack.schemaRegistry().start();
        ProcessHandle registry = stack.schemaRegistry().process().orElseThrow();
        assertThat(stack.kafka().port()).isEqualTo(kafkaPort);
        assertThat(stack.postgres().port()).isEqualTo(postgresPort);
        assertThat(stack.schemaRegistry().port()).isEqualTo(registryPort);
        stack.close();

        // then no thread of it keeps the JVM alive, no postgres or registry runs on its data, and its ports are free again
        assertThat(nonDaemonThreads()).isSubsetOf(before);
        assertThat(postgresProcessesOn(dataDir)).isEmpty();
        assertThat(firstRegistry.isAlive()).isFalse();
        assertThat(registry.isAlive()).isFalse();
        assertThat(registryProcessesOn(dataDir)).isEmpty();
        assertThat(LocalPorts.isFree(kafkaPort)).isTrue();
        assertThat(LocalPorts.isFree(postgresPort)).isTrue();
        assertThat(LocalPorts.isFree(registryPort)).isTrue();
    }

    @Test
    void shouldStopTheOthersWhenOnePartFailsToStart() throws Exception {
        // given the registry's port is taken
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            // when the stack starts
            EmbeddedStack.Builder builder = EmbeddedStack.builder(dataDir).fresh(true).schemaRegistryPort(taken.getLocalPort());

            // then it fails naming the registry, and neither PostgreSQL nor a registry is left running, the directory free
            org.assertj.core.api.Assertions.assertThatThrownBy(builder::start)
                    .isInstanceOf(EmbeddedStackException.class)
                    .hasMessageContaining("schema registry on port " + taken.getLocalPort());
            assertThat(postgresProcessesOn(dataDir)).isEmpty();
            assertThat(registryProcessesOn(dataDir)).isEmpty();
            assertThat(DataDirectoryLock.isHeld(dataDir)).isFalse();
        }
    }

    @Test
    void shouldLetTheRegistryFinishStartingInTheBackgroundWhenAskedTo() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.builder(dataDir).fresh(true).schemaRegistryInBackground(true).start()) {
            // the URL is known at once, before the registry answers
            String url = stack.schemaRegistryUrl();
            assertThat(url).startsWith("http://127.0.0.1:");

            // and once awaited, it answers there
            stack.awaitSchemaRegistry();
            assertThat(RegistryHttp.subjects(url)).isEqualTo("[]");
            assertThat(stack.schemaRegistryUrl()).isEqualTo(url);
        }
        assertThat(registryProcessesOn(dataDir)).isEmpty();
    }

    @Test
    void shouldReportABackgroundRegistryFailureWhenAwaited() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            try (EmbeddedStack stack = EmbeddedStack.builder(dataDir).fresh(true).schemaRegistryInBackground(true)
                    .schemaRegistryPort(taken.getLocalPort()).start()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(stack::awaitSchemaRegistry)
                        .isInstanceOf(EmbeddedStackException.class)
                        .hasMessageContaining("schema registry on port " + taken.getLocalPort());
            }
            assertThat(postgresProcessesOn(dataDir)).isEmpty();
            assertThat(registryProcessesOn(dataDir)).isEmpty();
        }
    }

    @Test
    void shouldRunWithoutARegistryWhenAskedTo() {
        try (EmbeddedStack stack = EmbeddedStack.builder(dataDir).fresh(true).schemaRegistry(false).start()) {
            assertThat(stack.hasSchemaRegistry()).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(stack::schemaRegistryUrl).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no schema registry");
            assertThat(registryProcessesOn(dataDir)).isEmpty();
        }
    }

    private static Admin admin(EmbeddedStack stack) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis()));
    }

    private static String setting(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT current_setting('" + name + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<ProcessHandle> postgresProcessesOn(Path dir) {
        String path = dir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(cl -> cl.contains("postgres") && cl.contains(path)).orElse(false))
                .collect(Collectors.toList());
    }

    private static List<ProcessHandle> registryProcessesOn(Path dir) {
        String path = dir.toAbsolutePath().resolve("registry").toString();
        return ProcessHandle.allProcesses()
                .filter(LocalProcesses::isRunning)
                .filter(p -> p.info().commandLine().map(cl -> cl.contains("apicurio") && cl.contains(path)).orElse(false))
                .collect(Collectors.toList());
    }

    private static Set<String> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .map(Thread::getName)
                .collect(Collectors.toSet());
    }
}

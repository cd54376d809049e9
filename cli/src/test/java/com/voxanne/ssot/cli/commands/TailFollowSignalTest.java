package com.voxanne.ssot.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.testkit.TestStack;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./ssot tail TOPIC --follow} as its own OS process, settings from its environment, stopped the way an operator
 * stops it: Ctrl-C (SIGINT) or SIGTERM ends it with exit 0 after printing what came while it ran, and stdout stays
 * nothing but JSON lines.
 */
class TailFollowSignalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"INT", "TERM"})
    void shouldPrintARecordProducedWhileFollowingAndExitZeroOnTheSignal(String signal) throws Exception {
        // given: a deployment whose requests topic has its own name, with one request on it
        String name = "telephony.provisioning.requests.tail-signal-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = Map.of("KAFKA_BOOTSTRAP_SERVERS", TestStack.get().bootstrapServers(),
                "TOPIC_PROVISIONING_REQUESTS", name, "SSOT_DATA_DIR", dataDir.toString());
        Topic<String, ProvisionNumberRequest> requests = SsotConfig.from(ConfigSource.of(settings)).topics().provisioningRequests();
        TestStack.get().createTopic(name, 3, Map.of());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(TestStack.get().producerProps(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            send(producer, requests, "before");

            // when ./ssot tail follows it by its logical id, and a request comes after it started
            Process tail = start(settings, "tail", "provisioning_requests", "--follow");
            List<String> out = lines(tail.getInputStream(), "stdout");
            List<String> err = lines(tail.getErrorStream(), "stderr");
            try {
                await("following").atMost(Duration.ofSeconds(60)).until(() -> String.join("\n", err).contains("following"));
                send(producer, requests, "after");
                await("the new request printed").atMost(Duration.ofSeconds(30)).until(() -> requestIds(out).contains("after"));

                // then the signal ends it: exit 0, everything printed, nothing on stdout but JSON lines
                signal(tail, signal);
                assertThat(tail.waitFor(30, TimeUnit.SECONDS)).as("ended after SIG%s: %s", signal, err).isTrue();
                assertThat(tail.exitValue()).as("exit code after SIG%s; stderr: %s", signal, err).isZero();
                await("output drained").atMost(Duration.ofSeconds(5)).until(() -> String.join("\n", err).contains("stopped after"));
                assertThat(requestIds(out)).containsExactly("before", "after");
                assertThat(String.join("\n", err)).contains("stopped after 2 record(s)");
            } finally {
                tail.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The CLI's main class on this test's classpath, with the packaged logging (the console is stderr) and a clean environment. */
    private static Process start(Map<String, String> settings, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=" + Path.of("target", "classes", "logback.xml").toAbsolutePath(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "com.voxanne.ssot.cli.Ssot"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("DATABASE_") || k.startsWith("SSOT_")
                || k.startsWith("TOPIC_") || k.startsWith("SCHEMA_REGISTRY_"));
        pb.environment().putAll(settings);
        return pb.start();
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %d", signal, process.pid()).isTrue();
    }

    private static List<String> lines(InputStream stream, String name) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("<" + name + " unreadable: " + e + ">");
            }
        }, "tail-" + name);
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /** The requestId of every stdout line, each of which must be a JSON object. */
    private static List<String> requestIds(List<String> out) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String line : out) {
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            ids.add(node.get("value").get("requestId").asText());
        }
        return ids;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, Topic<String, ProvisionNumberRequest> topic, String requestId)
            throws Exception {
        ProvisionNumberRequest request = ProvisionNumberRequest.newBuilder().setEventId(UUID.randomUUID().toString())
                .setRequestId(requestId).setOrgId("org-1").setCountryCode("US").setAreaCode(null).setFriendlyName(null)
                .setRequestedAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(topic.name(), "org-1".getBytes(StandardCharsets.UTF_8),
                topic.valueSerde().serializer().serialize(topic.name(), request))).get();
    }
}

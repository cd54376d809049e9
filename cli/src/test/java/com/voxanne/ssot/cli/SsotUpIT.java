package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code ssot.jar} as a user runs it: {@code up} reaches healthy, prints where everything is,
 * another command finds the stack through the data directory, and SIGTERM (as Ctrl-C) stops everything
 * with no process left behind.
 */
class SsotUpIT {
    private static final Path JAR = Path.of("target", "ssot.jar").toAbsolutePath();

    @TempDir
    Path dataDir;

    @Test
    void shouldReachHealthyAnswerOtherCommandsAndStopCleanly() throws Exception {
        long started = System.nanoTime();
        Process up = ssot("up");
        List<String> lines = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8));
            String statusUrl = CompletableFuture.supplyAsync(() -> readUntilStatusUrl(out, lines)).get(120, TimeUnit.SECONDS);
            double secondsToHealthy = (System.nanoTime() - started) / 1e9;
            System.out.printf("ssot up healthy after %.1f s%n", secondsToHealthy);

            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("DATABASE_URL=jdbc:postgresql://"));
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(statusUrl + "health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).startsWith("{\"status\":\"UP\"").contains("relay", "provisioner", "ssot-projector", "reconciler");

            Process check = ssot("check", "--org", "voxanne@demo.com");
            String checkOut = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(check.exitValue()).as(checkOut).isZero();
            assertThat(checkOut).contains("Voxanne Demo Clinic").contains("46cf2995-2bee-44e3-838b-24151486fe4e");
        } finally {
            // zonky starts PostgreSQL through pg_ctl, which daemonizes it: find it by its data directory
            List<ProcessHandle> stackProcesses = processesUsing(dataDir);
            up.destroy();
            boolean exited = up.waitFor(90, TimeUnit.SECONDS);
            if (!exited) {
                up.destroyForcibly();
            }
            assertThat(exited).as("ssot up exits on SIGTERM").isTrue();
            assertThat(stackProcesses).as("ssot up ran PostgreSQL on its data directory").isNotEmpty();
            for (ProcessHandle p : stackProcesses) {
                p.onExit().get(30, TimeUnit.SECONDS);
            }
            assertThat(processesUsing(dataDir)).as("processes left behind on " + dataDir).isEmpty();
            assertThat(Files.exists(dataDir.resolve("stack.properties"))).as("discovery file removed").isFalse();
        }
    }

    private static List<ProcessHandle> processesUsing(Path dir) {
        String path = dir.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().map(c -> c.contains(path)).orElse(false))
                .toList();
    }

    private static String readUntilStatusUrl(BufferedReader out, List<String> lines) {
        try {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("STATUS_URL=")) {
                    return line.substring("STATUS_URL=".length());
                }
            }
            throw new AssertionError("ssot up ended before printing STATUS_URL: " + lines);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Process ssot(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("DATABASE_") || k.startsWith("TWILIO_")
                || k.startsWith("VAPI_") || k.startsWith("SSOT_"));
        env.put("SSOT_DATA_DIR", dataDir.toString());
        env.put("SSOT_HTTP_PORT", "0");
        return pb.start();
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docker-compose.yml is validated by Debian's docker-compose (needs no engine; .ci/run installs it). */
class DockerComposeConfigTest {
    private static final Path COMPOSE = Path.of("..", "docker-compose.yml").toAbsolutePath().normalize();

    /** Every secret the compose file needs, as an operator's environment would give them. */
    private static final Map<String, String> SECRETS = Map.of("POSTGRES_PASSWORD", "pw-from-env",
            "TWILIO_ACCOUNT_SID", "AC" + "0".repeat(32), "TWILIO_AUTH_TOKEN", "token-from-env", "VAPI_API_KEY", "key-from-env",
            "SSOT_HTTP_TOKEN", "http-token-from-env", "RELAY_DATABASE_PASSWORD", "relay-pw", "PROVISIONER_DATABASE_PASSWORD",
            "provisioner-pw", "PROJECTOR_DATABASE_PASSWORD", "projector-pw", "READER_DATABASE_PASSWORD", "reader-pw");

    @Test
    void shouldValidateTheComposeFileWhenSecretsComeFromTheEnvironment() throws Exception {
        ToolRun r = compose(SECRETS, "config");

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("kafka-1", "kafka-2", "kafka-3", "postgres", "relay", "provisioner", "ssot-projector",
                "reconciler", "wal_level=logical", "service-users");
    }

    @Test
    void shouldConnectEachServiceAsItsOwnUserAndOnlySetupAsTheOwner() throws Exception {
        ToolRun r = compose(SECRETS, "config");

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("DATABASE_USER: ssot_relay_app", "DATABASE_PASSWORD: relay-pw",
                "DATABASE_USER: ssot_provisioner_app", "DATABASE_PASSWORD: provisioner-pw",
                "DATABASE_USER: ssot_projector_app", "DATABASE_PASSWORD: projector-pw",
                "DATABASE_USER: ssot_reader_app", "DATABASE_PASSWORD: reader-pw",
                "/deploy/service-users.sql");
        assertThat(Pattern.compile("(?m)^\\s+DATABASE_USER: ssot$").matcher(r.output()).results().count())
                .as("only setup connects as the owner").isEqualTo(1);
    }

    @Test
    void shouldRefuseToRenderWithoutAServicesDatabasePassword() throws Exception {
        assertRefusedWithout("PROJECTOR_DATABASE_PASSWORD");
    }

    @Test
    void shouldRefuseToRenderWithoutTheSecrets() throws Exception {
        ToolRun r = compose(Map.of(), "config", "-q");

        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("POSTGRES_PASSWORD");
    }

    @Test
    void shouldRefuseToPublishTheStatusServerWithoutAToken() throws Exception {
        assertRefusedWithout("SSOT_HTTP_TOKEN");
    }

    /** With every secret but {@code variable}, compose refuses to render and names it. */
    private static void assertRefusedWithout(String variable) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(SECRETS);
        env.remove(variable);

        ToolRun r = compose(env, "config", "-q");

        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains(variable);
    }

    @Test
    void shouldRunTheSameKafkaMajorMinorAsTheClients() throws Exception {
        String pom = Files.readString(COMPOSE.resolveSibling("pom.xml"), StandardCharsets.UTF_8);
        Matcher clients = Pattern.compile("<kafka.version>(\\d+\\.\\d+)\\.[^<]+</kafka.version>").matcher(pom);
        Matcher image = Pattern.compile("image: apache/kafka:(\\d+\\.\\d+)\\.").matcher(Files.readString(COMPOSE, StandardCharsets.UTF_8));

        assertThat(clients.find()).as("kafka.version in the parent pom").isTrue();
        assertThat(image.find()).as("the apache/kafka image in docker-compose.yml").isTrue();
        assertThat(image.group(1)).as("broker image vs client version").isEqualTo(clients.group(1));
    }

    @Test
    void shouldKeepBuildOutputLocalDataAndSecretsOutOfTheImageAndTheRepository() throws Exception {
        List<String> dockerignore = Files.readAllLines(COMPOSE.resolveSibling(".dockerignore"), StandardCharsets.UTF_8);
        List<String> gitignore = Files.readAllLines(COMPOSE.resolveSibling(".gitignore"), StandardCharsets.UTF_8);

        assertThat(dockerignore).contains(".git", "**/target/", ".ssot/", ".env");
        assertThat(gitignore).contains(".env", "target/", "/.ssot/");
    }

    private static ToolRun compose(Map<String, String> env, String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "docker-compose";
        cmd[1] = "-f";
        cmd[2] = COMPOSE.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(COMPOSE.getParent().toString()));
        pb.environment().keySet().removeIf(k -> k.startsWith("TWILIO_") || k.startsWith("VAPI_") || k.equals("POSTGRES_PASSWORD")
                || k.endsWith("_DATABASE_PASSWORD")
                || k.startsWith("SSOT_"));
        pb.environment().putAll(env);
        return ToolRun.of(pb, "docker-compose");
    }
}

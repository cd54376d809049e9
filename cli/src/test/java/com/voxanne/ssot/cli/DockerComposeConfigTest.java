package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml, and with it the TLS override docker-compose.tls.yml, are validated by Debian's docker-compose
 * (needs no engine; .ci/run installs it).
 */
class DockerComposeConfigTest {
    private static final Path COMPOSE = Path.of("..", "docker-compose.yml").toAbsolutePath().normalize();
    private static final Path TLS_OVERRIDE = COMPOSE.resolveSibling("docker-compose.tls.yml");
    /** Every secret the compose file needs, as an operator's environment would give them. */
    private static final Map<String, String> SECRETS = Map.of("POSTGRES_PASSWORD", "pw-from-env",
            "TWILIO_ACCOUNT_SID", "AC" + "0".repeat(32), "TWILIO_AUTH_TOKEN", "token-from-env", "VAPI_API_KEY", "key-from-env",
            "SSOT_HTTP_TOKEN", "http-token-from-env", "RELAY_DATABASE_PASSWORD", "relay-pw", "PROVISIONER_DATABASE_PASSWORD",
            "provisioner-pw", "PROJECTOR_DATABASE_PASSWORD", "projector-pw", "READER_DATABASE_PASSWORD", "reader-pw",
            "REGISTRY_DATABASE_PASSWORD", "registry-pw");
    private static final String REGISTRY_URL = "SCHEMA_REGISTRY_URL: http://apicurio-registry:8080/apis/ccompat/v7";

    @Test
    void shouldValidateTheComposeFileWhenSecretsComeFromTheEnvironment() throws Exception {
        ToolRun r = compose(SECRETS, "config");

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("kafka-1", "kafka-2", "kafka-3", "postgres", "relay", "provisioner", "ssot-projector",
                "reconciler", "wal_level=logical", "service-users", "apicurio-registry", "registry-database");
    }

    @Test
    void shouldRunAPersistentSchemaRegistryThatEveryServiceWaitsForAndIsPointedAt() throws Exception {
        ToolRun r = compose(SECRETS, "config");
        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, String> services = services(r.output());

        // then the registry is Apicurio 3.0.9 on SQL storage in its own database (not in memory), with a readiness check
        String registry = services.get("apicurio-registry");
        assertThat(registry).as("the apicurio-registry service").isNotNull()
                .contains("image: apicurio/apicurio-registry:3.0.9", "APICURIO_STORAGE_KIND: sql", "APICURIO_STORAGE_SQL_KIND: postgresql",
                        "APICURIO_DATASOURCE_URL: jdbc:postgresql://postgres:5432/apicurio_registry",
                        "APICURIO_DATASOURCE_USERNAME: apicurio_registry", "APICURIO_DATASOURCE_PASSWORD: registry-pw", "/health/ready")
                .containsPattern("registry-database:\\s+condition: service_completed_successfully");
        assertThat(services.get("registry-database")).contains("/deploy/registry-database.sql", "REGISTRY_DATABASE_PASSWORD: registry-pw");

        // and every service of the pipeline (setup included) is pointed at it and starts only once it is healthy
        List<String> pipeline = services.entrySet().stream().filter(e -> e.getValue().contains("image: ssot-pipeline:latest"))
                .map(Map.Entry::getKey).toList();
        assertThat(pipeline).containsExactlyInAnyOrder("setup", "relay", "provisioner", "ssot-projector", "reconciler",
                "reconciler-2");
        for (String service : pipeline) {
            assertThat(services.get(service)).as(service).contains(REGISTRY_URL)
                    .containsPattern("apicurio-registry:\\s+condition: service_healthy");
        }
    }

    @Test
    void shouldRunTwoInstancesOfEachScaledServiceWithEachReconcilerAdvertisingItsOwnEndpoint() throws Exception {
        ToolRun r = compose(SECRETS, "config");
        assertThat(r.exit()).as(r.output()).isZero();
        Map<String, String> services = services(r.output());

        // the provisioner and the projector twice each (one consumer group each), the reconciler as two services of one
        // Streams application, each advertising its container's status server and keeping its own state volume
        assertThat(services.get("provisioner")).containsPattern("replicas: 2");
        assertThat(services.get("ssot-projector")).containsPattern("replicas: 2");
        assertThat(services.get("reconciler")).contains("RECONCILER_ADVERTISED_URL: http://reconciler:8080", "reconciler-state")
                .doesNotContain("RECONCILER_APPLICATION_ID");
        assertThat(services.get("reconciler-2")).contains("RECONCILER_ADVERTISED_URL: http://reconciler-2:8080",
                "reconciler-2-state", "command:", "reconciler").doesNotContain("RECONCILER_APPLICATION_ID");
    }

    @Test
    void shouldRefuseToRenderWithoutTheRegistrysDatabasePassword() throws Exception {
        assertRefusedWithout("REGISTRY_DATABASE_PASSWORD");
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
    void shouldRenderTheTlsOverrideWithOnlySslListenersAndEveryServiceVerifyingKafkaAndPostgres() throws Exception {
        // when the base file and the TLS override are rendered together
        ToolRun r = compose(List.of(COMPOSE, TLS_OVERRIDE), SECRETS, "config");

        // then no broker listens in plaintext, PostgreSQL keeps its CDC settings and adds TLS, and every service that
        // talks to Kafka or PostgreSQL does so over TLS with verification
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).doesNotContain("PLAINTEXT")
                .contains("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: SSL:SSL,CONTROLLER:SSL", "SSL://kafka-1:9092", "SSL://kafka-3:9092",
                        "wal_level=logical", "max_slot_wal_keep_size=16GB", "ssl=on", "hba_file=/etc/ssot/tls/postgres/pg_hba.conf",
                        "hostnossl all all all reject");
        int kafkaClients = occurrences(r.output(), "KAFKA_BOOTSTRAP_SERVERS:");
        int databaseClients = occurrences(r.output(), "DATABASE_URL:");
        assertThat(kafkaClients).isEqualTo(6);
        assertThat(occurrences(r.output(), "KAFKA_SECURITY_PROTOCOL: SSL")).as("Kafka clients on SSL").isEqualTo(kafkaClients);
        assertThat(databaseClients).isEqualTo(6);
        assertThat(occurrences(r.output(), "?sslmode=verify-full&sslrootcert=/etc/ssot/tls/ca.crt"))
                .as("database clients verifying the server, the schema registry's datasource included").isEqualTo(databaseClients + 1);
        assertThat(r.output()).contains(
                "APICURIO_DATASOURCE_URL: jdbc:postgresql://postgres:5432/apicurio_registry?sslmode=verify-full&sslrootcert=/etc/ssot/tls/ca.crt");
        assertThat(r.output()).as("the service-users step (psql) verifies the server too").contains("PGSSLMODE: verify-full",
                "PGSSLROOTCERT: /etc/ssot/tls/ca.crt");
        assertThat(occurrences(r.output(), "PGSSLMODE: verify-full")).as("service-users and registry-database (psql)").isEqualTo(2);
    }

    @Test
    void shouldMountExactlyTheFilesMakeCertsWritesAndKeepTheKeystorePasswordOutOfTheEnvironment(@TempDir Path dir) throws Exception {
        // given the files scripts/make-certs.sh writes
        Path certs = dir.resolve("certs");
        Process p = new ProcessBuilder("bash", COMPOSE.resolveSibling("scripts").resolve("make-certs.sh").toString(), certs.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String override = Files.readString(TLS_OVERRIDE, StandardCharsets.UTF_8);

        // then every file the override's tls-files step copies is one the script made, and no password is in the file
        Matcher list = Pattern.compile("for f in ([^;]+);").matcher(override);
        assertThat(list.find()).as("the tls-files step's file list").isTrue();
        for (String file : list.group(1).trim().split("\\s+")) {
            assertThat(certs.resolve(file)).as("certs/%s", file).isRegularFile();
        }
        assertThat(override).doesNotContainPattern("(?i)PASSWORD:\\s*\\S");
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

    /** The rendered {@code services:} section, one entry per service: its name and its block of YAML. */
    private static Map<String, String> services(String rendered) {
        Map<String, String> services = new java.util.LinkedHashMap<>();
        Matcher section = Pattern.compile("(?ms)^services:\\n(.*?)(?=^\\S|\\z)").matcher(rendered);
        assertThat(section.find()).as("a services: section in " + rendered).isTrue();
        Matcher name = Pattern.compile("(?m)^  ([A-Za-z0-9_.-]+):$").matcher(section.group(1));
        String body = section.group(1);
        String current = null;
        int start = 0;
        while (name.find()) {
            if (current != null) {
                services.put(current, body.substring(start, name.start()));
            }
            current = name.group(1);
            start = name.end();
        }
        if (current != null) {
            services.put(current, body.substring(start));
        }
        return services;
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static ToolRun compose(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return compose(List.of(COMPOSE), env, args);
    }

    private static ToolRun compose(List<Path> files, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("docker-compose"));
        for (Path file : files) {
            cmd.add("-f");
            cmd.add(file.toString());
        }
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(COMPOSE.getParent().toString()));
        pb.environment().keySet().removeIf(k -> k.startsWith("TWILIO_") || k.startsWith("VAPI_") || k.equals("POSTGRES_PASSWORD")
                || k.endsWith("_DATABASE_PASSWORD") || k.startsWith("SSOT_"));
        pb.environment().putAll(env);
        return ToolRun.of(pb, "docker-compose");
    }
}

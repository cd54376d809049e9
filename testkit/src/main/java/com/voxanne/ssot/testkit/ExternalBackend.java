package com.voxanne.ssot.testkit;

import com.voxanne.ssot.platform.config.Secret;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka, PostgreSQL and a schema registry someone else runs, named by environment variables:
 * {@code SSOT_TEST_KAFKA_BOOTSTRAP_SERVERS}, {@code SSOT_TEST_DATABASE_URL} (JDBC URL of a maintenance database; the user
 * needs CREATEDB and REPLICATION, or superuser), {@code SSOT_TEST_DATABASE_USER}, {@code SSOT_TEST_DATABASE_PASSWORD},
 * and {@code SSOT_TEST_SCHEMA_REGISTRY_URL} (required: the Confluent-compatible base URL, e.g.
 * {@code http://registry:8080/apis/ccompat/v7} for Apicurio).
 */
final class ExternalBackend implements StackBackend {
    static final String KAFKA_ENV = "SSOT_TEST_KAFKA_BOOTSTRAP_SERVERS";
    static final String DATABASE_URL_ENV = "SSOT_TEST_DATABASE_URL";
    static final String DATABASE_USER_ENV = "SSOT_TEST_DATABASE_USER";
    static final String DATABASE_PASSWORD_ENV = "SSOT_TEST_DATABASE_PASSWORD";
    static final String SCHEMA_REGISTRY_URL_ENV = "SSOT_TEST_SCHEMA_REGISTRY_URL";

    private final String bootstrapServers;
    private final JdbcUrl maintenanceUrl;
    private final String user;
    private final Optional<Secret> password;
    private final String schemaRegistryUrl;

    ExternalBackend(String bootstrapServers, String databaseUrl, String user, Optional<Secret> password, String schemaRegistryUrl) {
        this.bootstrapServers = bootstrapServers;
        this.maintenanceUrl = JdbcUrl.parse(databaseUrl);
        this.user = user;
        this.password = password;
        this.schemaRegistryUrl = schemaRegistryUrl;
    }

    static boolean configuredIn(Map<String, String> env) {
        return notBlank(env.get(KAFKA_ENV)) && notBlank(env.get(DATABASE_URL_ENV));
    }

    static ExternalBackend fromEnvironment(Map<String, String> env) {
        if (!configuredIn(env)) {
            throw new IllegalStateException("external test stack mode needs " + KAFKA_ENV + " and " + DATABASE_URL_ENV + " to be set");
        }
        if (!notBlank(env.get(SCHEMA_REGISTRY_URL_ENV))) {
            throw new IllegalStateException("external test stack mode needs " + SCHEMA_REGISTRY_URL_ENV + " too: the base URL of a"
                    + " Confluent-compatible schema registry (what SCHEMA_REGISTRY_URL means), e.g. http://registry:8080/apis/ccompat/v7"
                    + " for Apicurio Registry; the pipeline's records carry its schema ids");
        }
        String user = notBlank(env.get(DATABASE_USER_ENV)) ? env.get(DATABASE_USER_ENV) : "postgres";
        Optional<Secret> password = Optional.ofNullable(env.get(DATABASE_PASSWORD_ENV)).filter(ExternalBackend::notBlank).map(Secret::of);
        String registry = env.get(SCHEMA_REGISTRY_URL_ENV).trim();
        return new ExternalBackend(env.get(KAFKA_ENV), env.get(DATABASE_URL_ENV), user, password,
                registry.endsWith("/") ? registry.substring(0, registry.length() - 1) : registry);
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    @Override
    public TestStack.Mode mode() {
        return TestStack.Mode.EXTERNAL;
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public String jdbcUrl(String database) {
        return maintenanceUrl.withDatabase(database);
    }

    @Override
    public String maintenanceDatabase() {
        return maintenanceUrl.database();
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public Optional<Secret> password() {
        return password;
    }

    @Override
    public String schemaRegistryUrl() {
        return schemaRegistryUrl;
    }

    @Override
    public void stopKafka() {
        // not ours to stop
    }

    @Override
    public void stopPostgresForGood() {
        // not ours to stop
    }

    /** {@code jdbc:postgresql://host[:port][,host2...]/database[?params]}, with the database part replaceable. */
    record JdbcUrl(String prefix, String database, String params) {
        private static final Pattern FORM = Pattern.compile("^(jdbc:postgresql://[^/?]*)(?:/([^?]*))?(\\?.*)?$");

        static JdbcUrl parse(String url) {
            Matcher m = FORM.matcher(url);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): " + redact(url));
            }
            String database = m.group(2) == null || m.group(2).isEmpty() ? "postgres" : m.group(2);
            return new JdbcUrl(m.group(1), database, m.group(3) == null ? "" : m.group(3));
        }

        String withDatabase(String other) {
            return prefix + "/" + other + params;
        }

        private static String redact(String url) {
            return url.replaceAll("(?i)(password=)[^&]*", "$1****");
        }
    }
}

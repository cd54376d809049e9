package com.voxanne.ssot.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.voxanne.ssot.platform.http.HttpAccess;
import com.voxanne.ssot.schemas.TopicPlan;
import com.voxanne.ssot.schemas.Topics;

/**
 * The settings every part of the pipeline shares, built once at start and validated with named checks.
 * Each service reads its own extra settings from the same {@link ConfigSource}.
 *
 * @param kafkaBootstrapServers  KAFKA_BOOTSTRAP_SERVERS; empty means "use the embedded default"
 * @param kafkaClientProperties  every other KAFKA_* variable as a Kafka client property
 * @param databaseUrl            DATABASE_URL (JDBC); empty means "use the embedded default"
 * @param twilio                 TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN; empty means the simulated Twilio
 * @param vapi                   VAPI_API_KEY / VAPI_BASE_URL; empty key means the simulated Vapi
 * @param grace                  SSOT_GRACE: how long a managed number may lack its SSOT row before it is a violation
 * @param httpHost               SSOT_HTTP_HOST: the address the status server binds
 * @param httpToken              SSOT_HTTP_TOKEN: the bearer token every route but /health needs (required beyond loopback)
 * @param metricsToken           SSOT_METRICS_TOKEN: a bearer token that opens /metrics only (for a Prometheus scrape)
 * @param topicNames             overridden topic names, by TOPIC_* variable (see {@link #TOPIC_VARIABLES})
 * @param topicPartitions        SSOT_TOPIC_PARTITIONS: partitions of the topics the pipeline creates
 * @param topicReplicationFactor SSOT_TOPIC_REPLICATION_FACTOR: replication factor of the topics the pipeline creates
 * @param schemaRegistry         SCHEMA_REGISTRY_URL (+ its credentials) and SSOT_AVRO_WIRE_FORMAT
 * @param otlpHeaders            OTEL_EXPORTER_OTLP_HEADERS and the per-signal ones: credentials of the trace
 *                               collector (e.g. {@code api-key=...}), kept only to be redacted (the SDK reads them)
 */
public record SsotConfig(
        Optional<String> kafkaBootstrapServers,
        Map<String, String> kafkaClientProperties,
        Optional<String> databaseUrl,
        String databaseUser,
        Optional<Secret> databasePassword,
        Optional<TwilioCredentials> twilio,
        VapiSettings vapi,
        Duration grace,
        int httpPort,
        String httpHost,
        Optional<Secret> httpToken,
        Optional<Secret> metricsToken,
        Path dataDir,
        Map<String, String> topicNames,
        int topicPartitions,
        int topicReplicationFactor,
        SchemaRegistrySettings schemaRegistry,
        List<Secret> otlpHeaders) {

    /**
     * Topic name variables (TOPIC_ + the topic registry's id), each mapped to that id, so that
     * {@code Topics.withNames(config.topicNames())} applies the overrides.
     */
    public static final Map<String, String> TOPIC_VARIABLES = Topics.ids().stream()
            .collect(Collectors.toUnmodifiableMap(Topics::envVarName, id -> id));

    /**
     * Settings that were replaced, with what replaced them: set, they are refused at start rather than silently
     * ignored.
     */
    public static final Map<String, String> RETIRED_SETTINGS = Map.of(
            "RECONCILER_TOPIC_PARTITIONS", "SSOT_TOPIC_PARTITIONS (one partition count for every topic the pipeline creates)");

    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    public static final int DEFAULT_HTTP_PORT = 8080;
    /** The OpenTelemetry variables whose values are collector credentials (the OTLP exporter's request headers). */
    public static final List<String> OTLP_HEADER_VARIABLES = List.of("OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS");
    /** Loopback: the status page is not published beyond this machine unless SSOT_HTTP_HOST says so. */
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    public static final String DEFAULT_VAPI_BASE_URL = "https://api.vapi.ai";

    public record TwilioCredentials(String accountSid, Secret authToken) {
        @Override
        public String toString() {
            return "TwilioCredentials[accountSid=" + accountSid + ", authToken=" + authToken + "]";
        }
    }

    public record VapiSettings(Optional<Secret> apiKey, String baseUrl) {
    }

    public SsotConfig {
        kafkaClientProperties = Map.copyOf(kafkaClientProperties);
        topicNames = Map.copyOf(topicNames);
        otlpHeaders = List.copyOf(otlpHeaders);
        validate(grace, httpPort, databaseUrl, twilio, kafkaClientProperties, topicPartitions, topicReplicationFactor);
        new HttpAccess(httpHost, httpPort, httpToken, metricsToken).requireTokenBeyondLoopback();
    }

    /**
     * Kafka client settings the no-loss guarantees rest on, each with what it guarantees. A KAFKA_* override of any of
     * them is refused at start: with KAFKA_ENABLE_AUTO_COMMIT=true a consumer would acknowledge records before their
     * database commit, with KAFKA_ACKS=1 a produce would count as durable when one broker had it.
     */
    public static final Map<String, String> GUARANTEED_KAFKA_SETTINGS = Map.of(
            "enable.auto.commit", "offsets are committed only after the work they acknowledge is committed",
            "isolation.level", "consumers read only committed (exactly-once) records",
            "acks", "a record counts as written only when every in-sync replica has it",
            "enable.idempotence", "a retried produce never duplicates or reorders a record",
            "transactional.id", "each service owns its transactions (and exactly-once fencing)",
            "transaction.timeout.ms", "the reconciler's exactly-once transactions use their own timeout",
            "processing.guarantee", "the reconciler runs exactly-once");

    public static SsotConfig from(ConfigSource source) {
        RETIRED_SETTINGS.keySet().stream().sorted().filter(v -> source.get(v).isPresent()).findFirst().ifPresent(v -> {
            throw new ConfigException(v + " is no longer read: use " + RETIRED_SETTINGS.get(v));
        });
        Map<String, String> kafkaProps = new HashMap<>(source.kafkaClientProperties());
        kafkaProps.remove("bootstrap.servers");
        Optional<String> sid = source.get("TWILIO_ACCOUNT_SID");
        Optional<Secret> token = source.secret("TWILIO_AUTH_TOKEN");
        if (sid.isPresent() != token.isPresent()) {
            throw new ConfigException("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together (or neither, for the simulated Twilio)");
        }
        Map<String, String> topics = new HashMap<>();
        TOPIC_VARIABLES.forEach((variable, id) -> source.get(variable).ifPresent(name -> topics.put(id, name)));
        return new SsotConfig(
                source.get("KAFKA_BOOTSTRAP_SERVERS"),
                kafkaProps,
                source.get("DATABASE_URL"),
                source.get("DATABASE_USER", "postgres"),
                source.secret("DATABASE_PASSWORD"),
                sid.map(s -> new TwilioCredentials(s, token.orElseThrow())),
                new VapiSettings(source.secret("VAPI_API_KEY"), source.get("VAPI_BASE_URL", DEFAULT_VAPI_BASE_URL)),
                source.getDuration("SSOT_GRACE", DEFAULT_GRACE),
                source.getInt("SSOT_HTTP_PORT", DEFAULT_HTTP_PORT),
                source.get("SSOT_HTTP_HOST", DEFAULT_HTTP_HOST),
                source.secret("SSOT_HTTP_TOKEN"),
                source.secret("SSOT_METRICS_TOKEN"),
                Path.of(source.get("SSOT_DATA_DIR", ".ssot")).toAbsolutePath().normalize(),
                topics,
                source.getInt("SSOT_TOPIC_PARTITIONS", TopicPlan.DEFAULT_PARTITIONS),
                source.getInt("SSOT_TOPIC_REPLICATION_FACTOR", TopicPlan.DEFAULT_REPLICATION_FACTOR),
                SchemaRegistrySettings.from(source),
                otlpHeaderSecrets(source));
    }

    /**
     * The OTLP header variables as secrets: each whole value and each header's value in it ({@code k1=v1,k2=v2}),
     * so a message that quotes one header alone is masked too.
     */
    private static List<Secret> otlpHeaderSecrets(ConfigSource source) {
        List<Secret> secrets = new ArrayList<>();
        for (String variable : OTLP_HEADER_VARIABLES) {
            source.get(variable).ifPresent(value -> {
                secrets.add(Secret.of(value));
                for (String header : value.split(",")) {
                    int eq = header.indexOf('=');
                    String headerValue = eq < 0 ? "" : header.substring(eq + 1).trim();
                    if (!headerValue.isEmpty()) {
                        secrets.add(Secret.of(headerValue));
                        // "Bearer xyz", "Basic xyz": the credential after the scheme, alone
                        java.util.Arrays.stream(headerValue.split("\\s+")).skip(1).forEach(part -> secrets.add(Secret.of(part)));
                    }
                }
            });
        }
        return secrets;
    }

    private static void validate(Duration grace, int httpPort, Optional<String> databaseUrl,
                                 Optional<TwilioCredentials> twilio, Map<String, String> kafkaClientProperties,
                                 int topicPartitions, int topicReplicationFactor) {
        List<String> problems = new ArrayList<>();
        if (topicPartitions < 1) {
            problems.add("SSOT_TOPIC_PARTITIONS must be >= 1, was " + topicPartitions);
        }
        if (topicReplicationFactor < 1 || topicReplicationFactor > Short.MAX_VALUE) {
            problems.add("SSOT_TOPIC_REPLICATION_FACTOR must be >= 1, was " + topicReplicationFactor);
        }
        GUARANTEED_KAFKA_SETTINGS.keySet().stream().sorted().filter(kafkaClientProperties::containsKey).forEach(p -> problems.add(
                "KAFKA_" + p.toUpperCase(java.util.Locale.ROOT).replace('.', '_') + " cannot be overridden: " + p
                        + " is fixed by the pipeline (" + GUARANTEED_KAFKA_SETTINGS.get(p) + ")"));
        if (grace.isNegative() || grace.isZero()) {
            problems.add("SSOT_GRACE must be > 0, was " + grace);
        }
        if (httpPort < 0 || httpPort > 65535) {
            problems.add("SSOT_HTTP_PORT must be 0..65535 (0 = any free port), was " + httpPort);
        }
        databaseUrl.filter(u -> !u.startsWith("jdbc:postgresql:"))
                .ifPresent(u -> problems.add("DATABASE_URL must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), was '"
                        + u.replaceAll("password=[^&]*", "password=****") + "'"));
        twilio.filter(t -> !t.accountSid().matches("AC[0-9a-fA-F]{32}"))
                .ifPresent(t -> problems.add("TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits"));
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
    }

    /** Where the status server listens and who may read it. */
    public HttpAccess http() {
        return new HttpAccess(httpHost, httpPort, httpToken, metricsToken);
    }

    /**
     * The topic registry under this deployment's names, its Avro values written and read through the schema registry
     * when SCHEMA_REGISTRY_URL is set (see {@link SchemaRegistrySettings#wire()}).
     */
    public Topics topics() {
        try {
            return Topics.withNames(topicNames).withWire(schemaRegistry.wire());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Every topic this deployment needs, with its partitions, replication factor and configs. */
    public TopicPlan topicPlan() {
        return TopicPlan.of(topics(), topicPartitions, topicReplicationFactor);
    }

    /** True when no external Kafka and Postgres are configured: the embedded default applies. */
    public boolean embeddedDefault() {
        return kafkaBootstrapServers.isEmpty() && databaseUrl.isEmpty();
    }

    /**
     * True for a Kafka client property whose value is a secret: the TLS store and key passwords
     * ({@code KAFKA_SSL_KEYSTORE_PASSWORD}, ...), an inline PEM key ({@code KAFKA_SSL_KEYSTORE_KEY}), SASL credentials
     * ({@code KAFKA_SASL_JAAS_CONFIG}) and OAuth client secrets. Kafka's own config dumps hide these; so does
     * {@link #toString()} and the {@link #redactor()}.
     */
    public static boolean isSecretKafkaProperty(String name) {
        return name.endsWith(".password") || name.equals("ssl.keystore.key") || name.equals("sasl.jaas.config")
                || name.contains("secret");
    }

    /** Every secret in this configuration, for the {@link Redactor}. */
    public List<Secret> secrets() {
        List<Secret> all = new ArrayList<>();
        kafkaClientProperties.entrySet().stream().filter(e -> isSecretKafkaProperty(e.getKey())).sorted(Map.Entry.comparingByKey())
                .forEach(e -> all.add(Secret.of(e.getValue())));
        databasePassword.ifPresent(all::add);
        twilio.ifPresent(t -> all.add(t.authToken()));
        vapi.apiKey().ifPresent(all::add);
        httpToken.ifPresent(all::add);
        metricsToken.ifPresent(all::add);
        all.addAll(schemaRegistry.secrets());
        all.addAll(otlpHeaders);
        return all;
    }

    public Redactor redactor() {
        return Redactor.of(secrets());
    }

    /** Like a record's, with the secret Kafka client properties masked (the other secrets are {@link Secret}s). */
    @Override
    public String toString() {
        Map<String, String> kafka = new java.util.TreeMap<>(kafkaClientProperties);
        kafka.replaceAll((k, v) -> isSecretKafkaProperty(k) ? Secret.of(v).toString() : v);
        return "SsotConfig[kafkaBootstrapServers=" + kafkaBootstrapServers + ", kafkaClientProperties=" + kafka
                + ", databaseUrl=" + databaseUrl + ", databaseUser=" + databaseUser + ", databasePassword=" + databasePassword
                + ", twilio=" + twilio + ", vapi=" + vapi + ", grace=" + grace + ", httpPort=" + httpPort + ", httpHost=" + httpHost
                + ", httpToken=" + httpToken + ", metricsToken=" + metricsToken + ", dataDir=" + dataDir + ", topicNames=" + topicNames
                + ", topicPartitions=" + topicPartitions + ", topicReplicationFactor=" + topicReplicationFactor
                + ", schemaRegistry=" + schemaRegistry + ", otlpHeaders=" + otlpHeaders + "]";
    }
}

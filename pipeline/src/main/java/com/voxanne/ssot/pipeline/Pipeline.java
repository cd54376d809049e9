package com.voxanne.ssot.pipeline;

import com.voxanne.ssot.embedded.EmbeddedKafkaCluster;
import com.voxanne.ssot.embedded.EmbeddedStack;
import com.voxanne.ssot.embedded.RegistryDistribution;
import com.voxanne.ssot.pipeline.status.ClusterProbe;
import com.voxanne.ssot.pipeline.status.ClusterView;
import com.voxanne.ssot.pipeline.status.LocalKafkaClients;
import com.voxanne.ssot.pipeline.status.StatusPageSettings;
import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.db.Migrations;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.platform.kafka.AvroWriters;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.kafka.TopicSetup;
import com.voxanne.ssot.platform.metrics.KafkaClientMeters;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.platform.service.ServiceFactory;
import com.voxanne.ssot.platform.tracing.Tracing;
import com.voxanne.ssot.projector.ProjectorService;
import com.voxanne.ssot.projector.ProjectorSettings;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.sim.SimulatedProviders;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.reconciler.ReconcilerService;
import com.voxanne.ssot.reconciler.ReconcilerSettings;
import com.voxanne.ssot.reconciler.query.ComplianceQueries;
import com.voxanne.ssot.reconciler.query.QueryRoutes;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.relay.config.RelaySettings;
import com.voxanne.ssot.schemas.CompatibilityGate;
import com.voxanne.ssot.schemas.SchemaHistory;
import com.voxanne.ssot.schemas.registry.SchemaRegistration;
import com.voxanne.ssot.schemas.registry.SchemaRegistryClient;
import com.voxanne.ssot.schemas.registry.SchemaRegistryUnavailableException;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;

/**
 * Starts the pipeline, whole ({@code ./ssot up}, {@code ./ssot demo}) or one part ({@code ./ssot run X}):
 * the embedded stack when nothing is configured, migrations, topics, the simulated providers when no real
 * ones are configured, the services, and the status server. Closes everything in reverse order.
 *
 * <p>Only a setup migrates and creates topics: {@code ./ssot setup} ({@link Options#setup()}), and any start on the
 * embedded default, whose stack this process owns (it is its own setup). Every other start, {@code run X} and {@code up}
 * against configured Kafka and PostgreSQL alike, only checks: the schema must be at this build's version and every
 * topic must exist, else it refuses to start naming what is wrong and {@code ./ssot setup}. So a long-running service
 * needs no right to change the schema or the topics, and two releases never race to migrate one database.
 *
 * <p>Harnesses (the fault suite, the benchmarks) run this same wiring: they pass {@link Factories} with a seam in one
 * part's place and {@link #replace} a part while the others run, instead of assembling a pipeline of their own.
 */
public final class Pipeline implements AutoCloseable {
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    /** The parts, in start order: the relay first (it must be reading the WAL before rows are written). */
    public enum Part { RELAY, PROJECTOR, RECONCILER, PROVISIONER }

    /**
     * @param parts           which services to run
     * @param fresh           wipe the embedded data directory first
     * @param seedDemoData    insert the demo organisations (embedded default only)
     * @param setupOnly       apply migrations and create topics, start nothing (otherwise, against configured
     *                        infrastructure, the start checks them instead)
     * @param openTelemetry   the OpenTelemetry every service traces with, owned by the caller (a test's SDK with an
     *                        in-memory exporter); null: the process's own, from the OTEL_* variables
     *                        ({@link Tracing#fromConfig}), closed with the pipeline
     */
    public record Options(Set<Part> parts, boolean fresh, boolean seedDemoData, boolean setupOnly, OpenTelemetry openTelemetry) {
        /** Options that trace with the process's own OpenTelemetry (from the OTEL_* variables). */
        public Options(Set<Part> parts, boolean fresh, boolean seedDemoData, boolean setupOnly) {
            this(parts, fresh, seedDemoData, setupOnly, null);
        }

        public static Options all() {
            return new Options(EnumSet.allOf(Part.class), false, true, false, null);
        }

        public static Options only(Part part) {
            return new Options(EnumSet.of(part), false, false, false, null);
        }

        public static Options setup() {
            return new Options(EnumSet.noneOf(Part.class), false, false, true, null);
        }

        public Options withFresh(boolean fresh) {
            return new Options(parts, fresh, seedDemoData, setupOnly, openTelemetry);
        }

        public Options withOpenTelemetry(OpenTelemetry openTelemetry) {
            return new Options(parts, fresh, seedDemoData, setupOnly, openTelemetry);
        }

        /**
         * The default {@code service.name} of this process's spans (OTEL_SERVICE_NAME wins): {@code ssot} for the
         * whole pipeline in one process, {@code ssot-provisioner} (...) for one part alone.
         */
        String serviceName() {
            return parts.size() == 1 ? "ssot-" + parts.iterator().next().name().toLowerCase(java.util.Locale.ROOT) : "ssot";
        }
    }

    /**
     * How each part is built: the real services by default ({@code XService::create}); a harness puts a factory with
     * seams in one part's place (a saga listener, a sabotaged {@code DataSource}) and keeps the rest real.
     */
    public record Factories(Map<Part, ServiceFactory> byPart) {
        public Factories {
            EnumMap<Part, ServiceFactory> copy = new EnumMap<>(Part.class);
            copy.putAll(byPart);
            for (Part part : Part.values()) {
                Objects.requireNonNull(copy.get(part), () -> "no factory for " + part);
            }
            byPart = Collections.unmodifiableMap(copy);
        }

        public static Factories real() {
            return new Factories(Map.of(
                    Part.RELAY, RelayService::create,
                    Part.PROJECTOR, ProjectorService::create,
                    Part.RECONCILER, ReconcilerService::create,
                    Part.PROVISIONER, ProvisionerService::create));
        }

        public Factories with(Part part, ServiceFactory factory) {
            EnumMap<Part, ServiceFactory> next = new EnumMap<>(byPart);
            next.put(part, Objects.requireNonNull(factory, "factory"));
            return new Factories(next);
        }

        ServiceFactory of(Part part) {
            return byPart.get(part);
        }
    }

    /** What a harness does while a part is stopped for {@link #replace(Part, WhileStopped)}. */
    @FunctionalInterface
    public interface WhileStopped {
        void run() throws Exception;
    }

    private final Closer closer = new Closer("pipeline");
    private final Factories factories;
    private final Map<Part, ReplaceablePart> parts = new EnumMap<>(Part.class);
    private final HealthRegistry health = new HealthRegistry();
    private final PrometheusMeterRegistry metrics = Metrics.newRegistry();
    private EmbeddedStack stack;
    private ServiceContext context;
    private StatusServer statusServer;
    private HikariDataSource dataSource;
    private Admin admin;
    private SimulatedProviders providers;
    private boolean closed;

    private Pipeline(Factories factories) {
        this.factories = Objects.requireNonNull(factories, "factories");
    }

    public static Pipeline start(ConfigSource source, Options options, Consumer<String> progress) throws Exception {
        return start(source, options, Factories.real(), progress);
    }

    /**
     * What {@code ./ssot setup} does: migrations and topics, then closes. For harnesses that own a fresh database and
     * topic names, before they {@link #start} the pipeline (which, on configured infrastructure, only checks them).
     */
    public static void setup(ConfigSource source, Consumer<String> progress) throws Exception {
        start(source, Options.setup(), progress).close();
    }

    /** Like {@link #start(ConfigSource, Options, Consumer)}, with each part built by its factory in {@code factories}. */
    public static Pipeline start(ConfigSource source, Options options, Factories factories, Consumer<String> progress)
            throws Exception {
        Pipeline pipeline = new Pipeline(factories);
        try {
            pipeline.doStart(source, options, progress);
            return pipeline;
        } catch (Exception | Error e) {
            Closer.closeAfter(e, pipeline);
            throw e;
        }
    }

    private void doStart(ConfigSource base, Options options, Consumer<String> progress) throws Exception {
        closer.onClose("close the metrics registry", metrics::close); // last: every part's meters are gone by then
        ConfigSource source = locateInfrastructure(base, options, progress);
        SsotConfig config = SsotConfig.from(source);
        boolean embedded = stack != null;
        KafkaClients kafka = new KafkaClients(config.kafkaBootstrapServers().orElseThrow(), config.kafkaClientProperties());
        DatabaseSettings database = new DatabaseSettings(config.databaseUrl().orElseThrow(), config.databaseUser(),
                config.databasePassword());
        RelaySettings relay = RelaySettings.from(source, config, database);
        boolean setsUp = options.setupOnly() || embedded;
        prepareDatabase(database, relay.publication(), setsUp, embedded && options.seedDemoData(), progress);

        AdminClient adminClient = closer.register("close the Kafka admin client", AdminClient.create(kafka.common()));
        closer.register("unbind the admin client's metrics", KafkaClientMeters.bind(metrics, adminClient));
        admin = adminClient;
        prepareTopics(config, setsUp);
        if (stack != null) {
            stack.awaitSchemaRegistry(); // the embedded registry started in the background: from here on it answers
        }
        if (setsUp) {
            registerSchemas(config, progress);
        }
        if (options.setupOnly()) {
            return;
        }
        ProvisionerSettings provisioning = ProvisionerSettings.from(source);
        StatusPageSettings statusPage = StatusPageSettings.from(source); // a bad setting fails before any service starts
        List<String> groupIds = serviceGroupIds(provisioning, config, source);
        if (embedded) {
            LeftoverMembers.remove(admin, groupIds);
        }

        source = withSimulatedProviders(source, config, options, progress);
        config = SsotConfig.from(source);
        // the status server first: its address is the reconciler's advertised endpoint (application.server), which the
        // reconciler must know when it starts; its routes answer 503 until the parts run
        startStatusServer(config, options.parts(), groupIds, relay.slotName(), provisioning, statusPage,
                clusterSources(config, source, provisioning, relay.offsetsTopic()));
        source = withAdvertisedReconciler(source, options.parts());
        // one SDK for every service of this process; closed (its spans flushed) after they have all stopped
        Tracing tracing = closer.register("flush and close the tracing SDK", options.openTelemetry() != null
                ? Tracing.using(options.openTelemetry()) : Tracing.fromConfig(source, options.serviceName()));
        context = new ServiceContext(config, source, kafka, database, metrics, health, config.redactor(), tracing.openTelemetry());
        registerInfrastructureHealth();
        startParts(options.parts(), progress);
    }

    /**
     * What the status page's cluster card asks: each service's group (its instances, wherever they run), the pipeline's
     * topics with Streams' and the brokers' internal ones, and, on the embedded cluster, its broker list (so a killed
     * broker shows DOWN, not missing).
     */
    private ClusterProbe.Sources clusterSources(SsotConfig config, ConfigSource source, ProvisionerSettings provisioning,
            String relayOffsetsTopic) {
        String applicationId = ReconcilerSettings.from(config, source).applicationId();
        List<ClusterProbe.Service> services = List.of(
                new ClusterProbe.Service("provisioner", provisioning.groupId(), ProvisionerService.NAME),
                new ClusterProbe.Service("projector", ProjectorSettings.from(source).groupId(), ProjectorService.NAME),
                new ClusterProbe.Service("reconciler", applicationId, ReconcilerService.NAME));
        Set<String> ours = Set.copyOf(config.topicPlan().names());
        java.util.function.Predicate<String> topics = name -> ours.contains(name) || name.equals(relayOffsetsTopic)
                || name.startsWith(applicationId + "-") || name.startsWith("__");
        Optional<Supplier<List<ClusterView.ExpectedBroker>>> expected = embeddedStack().flatMap(EmbeddedStack::kafkaCluster)
                .map(cluster -> () -> cluster.brokers().stream()
                        .map(b -> new ClusterView.ExpectedBroker(b.id(), b.address())).toList());
        return new ClusterProbe.Sources(admin, services, expected, topics, () -> LocalKafkaClients.ids(metrics), health::snapshot);
    }

    /**
     * RECONCILER_ADVERTISED_URL, when the reconciler runs here and it is not set: this process's status server, where
     * the other reconciler instances ask this one for its part of a query. Bound to every interface, the server is
     * advertised under this host's name (set the variable when the others know this host by another name).
     */
    private ConfigSource withAdvertisedReconciler(ConfigSource source, Set<Part> chosen) {
        if (!chosen.contains(Part.RECONCILER) || source.get(ReconcilerSettings.ADVERTISED_URL).filter(v -> !v.isBlank()).isPresent()) {
            return source;
        }
        String host = statusServer.boundHost().orElseGet(() -> {
            try {
                return java.net.InetAddress.getLocalHost().getCanonicalHostName();
            } catch (java.net.UnknownHostException e) {
                throw new ConfigException("cannot name this host for the reconciler's advertised endpoint: set "
                        + ReconcilerSettings.ADVERTISED_URL + " (e.g. http://reconciler-1:8080)");
            }
        });
        return source.withOverrides(Map.of(ReconcilerSettings.ADVERTISED_URL, "http://" + host + ":" + statusServer.port()));
    }

    /**
     * The embedded stack when neither Kafka nor PostgreSQL is configured (the source then points at it: Kafka,
     * PostgreSQL and its schema registry, as if the user had exported KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL and
     * SCHEMA_REGISTRY_URL), the source as given when both are (the user's own registry then comes from their
     * SCHEMA_REGISTRY_URL); one without the other is a configuration error. An exported SCHEMA_REGISTRY_URL is kept on
     * the embedded default too, and no embedded registry is started then.
     */
    private ConfigSource locateInfrastructure(ConfigSource source, Options options, Consumer<String> progress) {
        SsotConfig config = SsotConfig.from(source);
        if (!config.embeddedDefault()) {
            if (config.kafkaBootstrapServers().isEmpty() || config.databaseUrl().isEmpty()) {
                throw new ConfigException(
                        "set both KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL, or neither for the embedded default");
            }
            return source;
        }
        Optional<String> ownRegistry = source.get(SCHEMA_REGISTRY_URL);
        Path embeddedDir = config.dataDir().resolve("embedded");
        int brokers = source.getInt(EMBEDDED_BROKERS, 1);
        String kafkaParts = brokers == 1 ? "Kafka broker" : "Kafka cluster (" + brokers + " brokers, each its own process)";
        if (ownRegistry.isPresent()) {
            progress.accept("Starting the embedded " + kafkaParts + " and PostgreSQL in " + embeddedDir + " (schema registry: "
                    + ownRegistry.get() + ", from " + SCHEMA_REGISTRY_URL + ") ...");
        } else {
            progress.accept("Starting the embedded " + kafkaParts + ", PostgreSQL and schema registry in " + embeddedDir + " ..."
                    + (RegistryDistribution.fromEnvironment().isInstalled() ? "" : " (first start: downloading Apicurio Registry "
                    + RegistryDistribution.VERSION + ", " + RegistryDistribution.SIZE / 1_000_000 + " MB, into the local Maven repository)"));
        }
        // the registry takes longer to start than Kafka and PostgreSQL: it finishes while the database is migrated and
        // the topics are created (doStart awaits it before anything else), so it adds nothing to the time to healthy
        EmbeddedStack.Builder builder;
        try {
            builder = EmbeddedStack.builder(embeddedDir).fresh(options.fresh()).kafkaBrokers(brokers)
                    .brokerRestartDelay(source.getDuration(EmbeddedKafkaCluster.RESTART_DELAY_VARIABLE, EmbeddedKafkaCluster.DEFAULT_RESTART_DELAY));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(EMBEDDED_BROKERS + ": " + e.getMessage());
        }
        stack = closer.register("close the embedded stack", builder.schemaRegistry(ownRegistry.isEmpty()).schemaRegistryInBackground(true).start());
        stack.postgres().createDatabase(EMBEDDED_DATABASE);
        Map<String, String> where = new HashMap<>();
        where.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        where.put("DATABASE_URL", stack.jdbcUrl(EMBEDDED_DATABASE));
        where.put("DATABASE_USER", stack.postgres().user());
        if (stack.hasSchemaRegistry()) {
            where.put(SCHEMA_REGISTRY_URL, stack.schemaRegistryUrl());
        }
        if (brokers > 1) {
            // every topic replicated on the cluster: ours, the relay's offsets (Streams' and the brokers' own internal
            // topics follow the brokers' default, also three replicas), unless the user chose otherwise
            String replicas = Integer.toString(Math.min(3, brokers));
            if (source.get(TOPIC_REPLICATION_FACTOR).isEmpty()) {
                where.put(TOPIC_REPLICATION_FACTOR, replicas);
            }
            if (source.get(RELAY_OFFSETS_REPLICATION_FACTOR).isEmpty()) {
                where.put(RELAY_OFFSETS_REPLICATION_FACTOR, replicas);
            }
        }
        return source.withOverrides(where);
    }

    /**
     * Opens the pipeline's own small pool; migrates when this start is a setup, else checks the schema version; seeds
     * the demo organisations when asked.
     */
    private void prepareDatabase(DatabaseSettings database, String publication, boolean setsUp, boolean seedDemoData,
            Consumer<String> progress) throws SQLException {
        dataSource = closer.register("close the pipeline's database pool", database.pool("ssot-cli", 2));
        if (setsUp) {
            Migrations.apply(dataSource, publication);
        } else {
            progress.accept("Database schema at version " + Migrations.requireCurrent(dataSource, publication)
                    + ", as this build needs");
        }
        if (seedDemoData) {
            int seeded = DemoSeed.apply(dataSource);
            if (seeded > 0) {
                progress.accept("Seeded " + seeded + " demo organisations (among them Voxanne Demo Clinic, " + DemoSeed.VOXANNE_EMAIL + ")");
            }
        }
    }

    /** Creates the missing topics when this start is a setup, else checks that every topic exists. */
    private void prepareTopics(SsotConfig config, boolean setsUp) throws InterruptedException {
        if (setsUp) {
            TopicSetup.ensure(admin, config.topicPlan(), KAFKA_TIMEOUT);
            return;
        }
        try {
            TopicSetup.check(admin, config.topicPlan(), KAFKA_TIMEOUT);
        } catch (TopicSetup.MissingTopicsException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Registers every shipped version of every Avro topic's record under its subject, at the level our build gate
     * enforces (see {@link SchemaRegistration}); waits for a registry that is still starting. A refusal stops the setup
     * with the registry's message.
     */
    private void registerSchemas(SsotConfig config, Consumer<String> progress) throws InterruptedException {
        Optional<SchemaRegistryClient> client = config.schemaRegistry().client();
        if (client.isEmpty()) {
            progress.accept("No SCHEMA_REGISTRY_URL: Avro values are written in single-object encoding (readable only with"
                    + " this pipeline's schemas)");
            return;
        }
        SchemaRegistration registration = new SchemaRegistration(client.get(), SchemaHistory.bundled());
        try {
            List<SchemaRegistration.Subject> subjects = AvroWriters.whileUnavailable(KAFKA_TIMEOUT, "to register the schemas",
                    () -> registration.registerAll(config.topics()));
            progress.accept("Schema registry " + client.get().baseUrl() + ": " + subjects.size() + " subjects at "
                    + CompatibilityGate.REGISTRY_LEVEL + " (" + subjects.stream().map(SchemaRegistration.Subject::subject)
                            .collect(java.util.stream.Collectors.joining(", ")) + ")");
        } catch (SchemaRegistration.RegistrationRefusedException | SchemaRegistryUnavailableException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Starts the simulated Twilio and Vapi when the provisioner runs and no real provider is configured. */
    private ConfigSource withSimulatedProviders(ConfigSource source, SsotConfig config, Options options, Consumer<String> progress) {
        if (!options.parts().contains(Part.PROVISIONER) || config.twilio().isPresent() || config.vapi().apiKey().isPresent()) {
            return source;
        }
        providers = closer.register("close the simulated providers", SimulatedProviders.start(config.dataDir().resolve(SIMULATED_INVENTORY)));
        progress.accept("Twilio and Vapi are SIMULATED (local servers at " + providers.describe() + ")");
        return source.withOverrides(providers.configuration());
    }

    private void registerInfrastructureHealth() {
        health.register("postgres", this::databaseHealth);
        if (stack != null) {
            Map<String, Object> parts = new LinkedHashMap<>();
            parts.put("kafka", stack.bootstrapServers());
            parts.put("postgres", stack.jdbcUrl(EMBEDDED_DATABASE));
            if (stack.hasSchemaRegistry()) {
                parts.put("schemaRegistry", stack.schemaRegistryUrl());
            }
            Map<String, Object> details = Collections.unmodifiableMap(parts);
            health.register("embedded-stack", () -> !stack.hasSchemaRegistry() || stack.schemaRegistry().isRunning()
                    ? ComponentHealth.up(details)
                    : ComponentHealth.down("the embedded schema registry is not running (see " + stack.schemaRegistry().logFile() + ")"));
        }
    }

    /** Starts the chosen parts in {@link Part} order; each part's health is registered once, under its service's name. */
    private void startParts(Set<Part> chosen, Consumer<String> progress) throws Exception {
        for (Part part : Part.values()) {
            if (!chosen.contains(part)) {
                continue;
            }
            progress.accept("Starting " + label(part) + " ...");
            ReplaceablePart running = closer.register("close " + label(part), new ReplaceablePart(factories.of(part), context));
            parts.put(part, running);
            running.start(health);
        }
    }

    private void startStatusServer(SsotConfig config, Set<Part> chosen, List<String> groupIds, String slotName,
            ProvisionerSettings provisioning, StatusPageSettings statusPageSettings, ClusterProbe.Sources cluster) throws IOException {
        statusServer = closer.register("close the status server",
                StatusServer.start(config.http(), health, metrics, config.redactor()));
        // bound to whichever reconciler runs now, so the queries survive a replaced instance
        Supplier<Optional<ComplianceQueries>> queries = chosen.contains(Part.RECONCILER)
                ? () -> current(Part.RECONCILER, ReconcilerService.class).flatMap(ReconcilerService::queries)
                : Optional::empty;
        if (chosen.contains(Part.RECONCILER)) {
            new QueryRoutes(queries, () -> current(Part.RECONCILER, ReconcilerService.class).flatMap(ReconcilerService::cluster),
                    Clock.systemUTC()).register(statusServer);
        }
        StatusPage.Sources sources = new StatusPage.Sources(dataSource, admin, groupIds, health, slotName,
                new SagaAdmin(dataSource, provisioning.purchaseVisibility()), provisioning.stuckAfter(), queries, cluster);
        closer.register("stop the status page's history sampler", new StatusPage(sources, statusPageSettings)).mount(statusServer);
    }

    /** The consumer groups of the services (Kafka Streams' application id is its group id), from their typed settings. */
    private static List<String> serviceGroupIds(ProvisionerSettings provisioning, SsotConfig config, ConfigSource source) {
        return List.of(provisioning.groupId(), ProjectorSettings.from(source).groupId(),
                ReconcilerSettings.from(config, source).applicationId());
    }

    private ComponentHealth databaseHealth() {
        try (var c = dataSource.getConnection(); var st = c.createStatement()) {
            st.setQueryTimeout(2);
            st.execute("SELECT 1");
            c.rollback();
            return ComponentHealth.up();
        } catch (Exception e) {
            return ComponentHealth.down(context.redactor().describe(e));
        }
    }

    static String label(Part part) {
        return switch (part) {
            case RELAY -> "the relay (Debezium CDC)";
            case PROJECTOR -> "the SSOT projector";
            case RECONCILER -> "the reconciler (Kafka Streams)";
            case PROVISIONER -> "the provisioner";
        };
    }

    /** Where the simulated providers keep what they own between runs, under the data directory. */
    static final String SIMULATED_INVENTORY = "simulated-providers.json";

    /** The name of the database the embedded default uses. */
    public static final String EMBEDDED_DATABASE = "ssot";

    /** The setting naming the Confluent-compatible schema registry (the embedded stack's own on the embedded default). */
    static final String SCHEMA_REGISTRY_URL = "SCHEMA_REGISTRY_URL";
    /** Brokers of the embedded default: 1 (in this JVM), or a cluster of 3 or more, each its own process ({@code up --brokers 3}). */
    public static final String EMBEDDED_BROKERS = "SSOT_EMBEDDED_BROKERS";
    private static final String TOPIC_REPLICATION_FACTOR = "SSOT_TOPIC_REPLICATION_FACTOR";
    private static final String RELAY_OFFSETS_REPLICATION_FACTOR = "RELAY_OFFSETS_REPLICATION_FACTOR";

    /** Waits until every component reports UP (or the timeout passes). */
    public boolean awaitHealthy(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (HealthRegistry.overall(health.snapshot()) == ComponentHealth.Status.UP) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    public Map<String, String> whereabouts() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("KAFKA_BOOTSTRAP_SERVERS", context.kafka().bootstrapServers());
        out.put("DATABASE_URL", context.database().jdbcUrl());
        out.put("DATABASE_USER", context.database().user());
        context.source().get(SCHEMA_REGISTRY_URL).ifPresent(url -> out.put(SCHEMA_REGISTRY_URL, url));
        if (stack != null) {
            stack.kafkaCluster().ifPresent(cluster -> {
                // what another instance started next to this stack (`./ssot run ...`) must agree on
                out.put(EMBEDDED_BROKERS, Integer.toString(cluster.size()));
                context.source().get(TOPIC_REPLICATION_FACTOR).ifPresent(v -> out.put(TOPIC_REPLICATION_FACTOR, v));
                context.source().get(RELAY_OFFSETS_REPLICATION_FACTOR).ifPresent(v -> out.put(RELAY_OFFSETS_REPLICATION_FACTOR, v));
                // for an operator (or a test) who wants to stop one
                cluster.brokers().forEach(broker -> {
                    out.put("EMBEDDED_BROKER_" + broker.id() + "_ADDRESS", broker.address());
                    out.put("EMBEDDED_BROKER_" + broker.id() + "_PID",
                            broker.pid().isPresent() ? Long.toString(broker.pid().getAsLong()) : "down");
                });
            });
        }
        if (statusServer != null) {
            out.put("STATUS_URL", statusServer.baseUrl() + "/");
        }
        if (providers != null) {
            out.putAll(providers.configuration());
        }
        return out;
    }

    public ServiceContext context() {
        return context;
    }

    public HealthRegistry health() {
        return health;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    public Optional<EmbeddedStack> embeddedStack() {
        return Optional.ofNullable(stack);
    }

    public Optional<SimulatedProviders> providers() {
        return Optional.ofNullable(providers);
    }

    /** The instance of {@code part} running now; null when the part does not run here or is being replaced. */
    public <T extends ManagedService> T service(Part part, Class<T> type) {
        return current(part, type).orElse(null);
    }

    private <T extends ManagedService> Optional<T> current(Part part, Class<T> type) {
        ReplaceablePart running = parts.get(part);
        return running == null ? Optional.empty() : running.current().map(type::cast);
    }

    /**
     * Closes the running instance of {@code part}, runs {@code whileStopped} (rewind its offsets, wipe its state), and
     * starts a new instance from the part's factory while the other parts keep running. Meanwhile the part's health is
     * DOWN "being replaced".
     *
     * @throws IllegalStateException when {@code part} does not run in this pipeline
     */
    public void replace(Part part, WhileStopped whileStopped) throws Exception {
        ReplaceablePart running = parts.get(part);
        if (running == null) {
            throw new IllegalStateException(label(part) + " does not run in this pipeline, so it cannot be replaced");
        }
        running.replace(whileStopped);
    }

    public void replace(Part part) throws Exception {
        replace(part, () -> { });
    }

    /** The health of each running part, under its registered name, in start order (the infrastructure left out). */
    public Map<String, ComponentHealth> partHealth() {
        Map<String, ComponentHealth> snapshot = health.snapshot();
        Map<String, ComponentHealth> out = new LinkedHashMap<>();
        parts.values().forEach(p -> p.registeredName().ifPresent(name -> out.put(name, snapshot.get(name))));
        return out;
    }

    public Admin admin() {
        return admin;
    }

    public StatusServer statusServer() {
        return statusServer;
    }

    /** Whether {@link #close()} has run (or is running). */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Closes in reverse start order; every failure is logged and the rest still closes. Runs once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closer.close();
    }
}

package com.voxanne.ssot.pipeline;

import com.voxanne.ssot.embedded.EmbeddedStack;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.db.Migrations;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.kafka.TopicSetup;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.ProjectorService;
import com.voxanne.ssot.projector.ProjectorSettings;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.provisioner.sim.SimulatedProviders;
import com.voxanne.ssot.reconciler.ReconcilerService;
import com.voxanne.ssot.reconciler.ReconcilerSettings;
import com.voxanne.ssot.relay.RelayService;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the pipeline, whole ({@code ./ssot up}, {@code ./ssot demo}) or one part ({@code ./ssot run X}):
 * the embedded stack when nothing is configured, migrations, topics, the simulated providers when no real
 * ones are configured, the services, and the status server. Closes everything in reverse order.
 */
public final class Pipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    /** The parts, in start order: the relay first (it must be reading the WAL before rows are written). */
    public enum Part { RELAY, PROJECTOR, RECONCILER, PROVISIONER }

    /**
     * @param parts           which services to run
     * @param fresh           wipe the embedded data directory first
     * @param seedDemoData    insert the demo organisations (embedded default only)
     * @param setupOnly       apply migrations and create topics, start nothing
     */
    public record Options(Set<Part> parts, boolean fresh, boolean seedDemoData, boolean setupOnly) {
        public static Options all() {
            return new Options(EnumSet.allOf(Part.class), false, true, false);
        }

        public static Options only(Part part) {
            return new Options(EnumSet.of(part), false, false, false);
        }

        public static Options setup() {
            return new Options(EnumSet.noneOf(Part.class), false, false, true);
        }

        public Options withFresh(boolean fresh) {
            return new Options(parts, fresh, seedDemoData, setupOnly);
        }
    }

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final Map<Part, ManagedService> services = new LinkedHashMap<>();
    private final HealthRegistry health = new HealthRegistry();
    private final PrometheusMeterRegistry metrics = Metrics.newRegistry();
    private EmbeddedStack stack;
    private ServiceContext context;
    private StatusServer statusServer;
    private HikariDataSource dataSource;
    private Admin admin;
    private SimulatedProviders providers;
    private boolean closed;

    private Pipeline() {
    }

    public static Pipeline start(ConfigSource source, Options options, Consumer<String> progress) throws Exception {
        Pipeline pipeline = new Pipeline();
        try {
            pipeline.doStart(source, options, progress);
            return pipeline;
        } catch (Exception | Error e) {
            pipeline.close();
            throw e;
        }
    }

    private void doStart(ConfigSource base, Options options, Consumer<String> progress) throws Exception {
        ConfigSource source = base;
        SsotConfig config = SsotConfig.from(source);
        boolean embedded = config.embeddedDefault();
        if (embedded) {
            progress.accept("Starting the embedded Kafka broker and PostgreSQL in " + config.dataDir().resolve("embedded") + " ...");
            stack = EmbeddedStack.start(config.dataDir().resolve("embedded"), options.fresh());
            resources.push(stack);
            stack.postgres().createDatabase(EMBEDDED_DATABASE);
            Map<String, String> where = new HashMap<>();
            where.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
            where.put("DATABASE_URL", stack.jdbcUrl(EMBEDDED_DATABASE));
            where.put("DATABASE_USER", stack.postgres().user());
            source = source.withOverrides(where);
            config = SsotConfig.from(source);
        } else if (config.kafkaBootstrapServers().isEmpty() || config.databaseUrl().isEmpty()) {
            throw new com.voxanne.ssot.platform.config.ConfigException(
                    "set both KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL, or neither for the embedded default");
        }
        KafkaClients kafka = new KafkaClients(config.kafkaBootstrapServers().orElseThrow(), config.kafkaClientProperties());
        DatabaseSettings database = new DatabaseSettings(config.databaseUrl().orElseThrow(), config.databaseUser(),
                config.databasePassword());

        dataSource = database.pool("ssot-cli", 2);
        resources.push(dataSource);
        String publication = source.get("RELAY_PUBLICATION", Migrations.DEFAULT_PUBLICATION);
        Migrations.apply(dataSource, publication);
        if (embedded && options.seedDemoData()) {
            int seeded = DemoSeed.apply(dataSource);
            if (seeded > 0) {
                progress.accept("Seeded " + seeded + " demo organisations (among them Voxanne Demo Clinic, " + DemoSeed.VOXANNE_EMAIL + ")");
            }
        }
        admin = Admin.create(kafka.common());
        resources.push(admin);
        TopicSetup.ensure(admin, config.topicPlan(), KAFKA_TIMEOUT);
        if (options.setupOnly()) {
            return;
        }
        List<String> groupIds = serviceGroupIds(config, source);
        if (embedded) {
            LeftoverMembers.remove(admin, groupIds);
        }

        if (options.parts().contains(Part.PROVISIONER) && config.twilio().isEmpty() && config.vapi().apiKey().isEmpty()) {
            providers = SimulatedProviders.start(config.dataDir().resolve(SIMULATED_INVENTORY));
            resources.push(providers);
            source = source.withOverrides(providers.configuration());
            config = SsotConfig.from(source);
            progress.accept("Twilio and Vapi are SIMULATED (local servers at " + providers.describe() + ")");
        }
        context = new ServiceContext(config, source, kafka, database, metrics, health, config.redactor());
        health.register("postgres", this::databaseHealth);
        if (embedded) {
            health.register("embedded-stack", () -> ComponentHealth.up(Map.of("kafka", stack.bootstrapServers(),
                    "postgres", stack.jdbcUrl(EMBEDDED_DATABASE))));
        }

        for (Part part : Part.values()) {
            if (!options.parts().contains(part)) {
                continue;
            }
            progress.accept("Starting " + label(part) + " ...");
            ManagedService service = create(part, context);
            resources.push(service);
            services.put(part, service);
            service.start();
            health.register(service.name(), service::health);
        }

        statusServer = StatusServer.start(config.http(), health, metrics, config.redactor());
        resources.push(statusServer);
        if (services.get(Part.RECONCILER) instanceof ReconcilerService reconciler) {
            reconciler.registerRoutes(statusServer);
        }
        ProvisionerSettings provisioning = ProvisionerSettings.from(source);
        new StatusPage(dataSource, admin, groupIds, health, source.get("RELAY_SLOT_NAME", "ssot_relay"),
                new SagaAdmin(dataSource, provisioning.purchaseVisibility()), provisioning.stuckAfter()).mount(statusServer);
    }

    /** The consumer groups of the services (Kafka Streams' application id is its group id), from their typed settings. */
    private static List<String> serviceGroupIds(SsotConfig config, ConfigSource source) {
        return List.of(ProvisionerSettings.from(source).groupId(), ProjectorSettings.from(source).groupId(),
                ReconcilerSettings.from(config, source).applicationId());
    }

    private static ManagedService create(Part part, ServiceContext context) {
        return switch (part) {
            case RELAY -> RelayService.create(context);
            case PROJECTOR -> ProjectorService.create(context);
            case RECONCILER -> ReconcilerService.create(context);
            case PROVISIONER -> ProvisionerService.create(context);
        };
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

    public <T extends ManagedService> T service(Part part, Class<T> type) {
        return type.cast(services.get(part));
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
        List<Throwable> failures = new ArrayList<>();
        while (!resources.isEmpty()) {
            AutoCloseable r = resources.pop();
            try {
                r.close();
            } catch (Exception | Error e) {
                failures.add(e);
                log.error("Failed to close {}", r, e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException(failures.size() + " component(s) failed to close cleanly");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }
}

package com.voxanne.ssot.cli;

import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.relay.RelayService;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole pipeline on the shared test stack, with its own database, topics, slot, consumer groups and
 * state, so test classes never see each other's data (the schema registry is shared: subjects are named after the
 * topics, so they are this pipeline's own too). Closing it stops everything and drops the slot.
 */
final class TestPipeline implements AutoCloseable {
    final TestDatabase db;
    final Pipeline pipeline;
    /** The settings the pipeline runs with: what a command run against it gets. */
    final Map<String, String> env;
    private final String slot;

    private TestPipeline(TestDatabase db, Pipeline pipeline, String slot, Map<String, String> env) {
        this.db = db;
        this.pipeline = pipeline;
        this.slot = slot;
        this.env = Map.copyOf(env);
    }

    /** @param settings extra settings (e.g. SSOT_GRACE, PROJECTOR_BATCH_DELAY) */
    static TestPipeline start(String name, Path dataDir, Map<String, String> settings) throws Exception {
        return start(name, dataDir, settings, Pipeline.Options.all());
    }

    /** @param options which parts, and e.g. the OpenTelemetry to trace with ({@code Options.withOpenTelemetry}) */
    static TestPipeline start(String name, Path dataDir, Map<String, String> settings, Pipeline.Options options) throws Exception {
        TestDatabase db = TestStack.get().newDatabase(name);
        String suffix = suffix(name);
        Map<String, String> env = environment(db, suffix, dataDir);
        env.putAll(settings);
        Pipeline pipeline;
        try {
            // the database and topic names are this test's own: it is their setup, as ./ssot setup would be
            Pipeline.setup(ConfigSource.of(env), line -> { });
            pipeline = Pipeline.start(ConfigSource.of(env), options, line -> { });
        } catch (Exception e) {
            db.close();
            throw e;
        }
        TestPipeline tp = new TestPipeline(db, pipeline, slotName(suffix), env);
        if (!pipeline.awaitHealthy(Duration.ofSeconds(60))) {
            String health = pipeline.health().snapshot().toString();
            tp.close();
            throw new AssertionError("pipeline not healthy: " + health);
        }
        return tp;
    }

    /** {@code name} plus a random part: the suffix of this pipeline's topics, slot, groups and application id. */
    static String suffix(String name) {
        return name + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String slotName(String suffix) {
        return "slot_" + suffix.replace('-', '_');
    }

    /**
     * The settings of a pipeline of its own on the shared stack, as the environment would give them: {@code db} (as its
     * owner), topics, slot, consumer groups and application id named after {@code suffix}, status server on any port.
     */
    static Map<String, String> environment(TestDatabase db, String suffix, Path dataDir) {
        String slot = slotName(suffix);
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", TestStack.get().bootstrapServers());
        env.put("DATABASE_URL", db.jdbcUrl());
        env.put("SCHEMA_REGISTRY_URL", TestStack.get().schemaRegistryUrl()); // as ./ssot up: the Confluent wire format
        env.put("DATABASE_USER", db.user());
        db.password().ifPresent(p -> env.put("DATABASE_PASSWORD", p.reveal()));
        env.put("SSOT_DATA_DIR", dataDir.toString());
        env.put("SSOT_HTTP_PORT", "0");
        env.put("RELAY_SLOT_NAME", slot);
        env.put("RELAY_OFFSETS_TOPIC", "relay.offsets." + suffix);
        env.put("RECONCILER_APPLICATION_ID", "reconciler-" + suffix);
        env.put("PROJECTOR_GROUP_ID", "projector-" + suffix);
        env.put("PROVISIONER_GROUP_ID", "provisioner-" + suffix);
        for (String variable : List.of("TOPIC_PROVISIONING_REQUESTS", "TOPIC_PROVISIONING_RESULTS", "TOPIC_NUMBERS_PROVISIONED",
                "TOPIC_VIOLATIONS", "TOPIC_CDC_MANAGED_NUMBERS", "TOPIC_CDC_ORG_CREDENTIALS")) {
            env.put(variable, variable.toLowerCase().replace('_', '.') + "." + suffix);
        }
        return env;
    }

    @Override
    public void close() throws Exception {
        try {
            pipeline.close();
        } finally {
            RelayService.dropSlot(new DatabaseSettings(db.jdbcUrl(), db.user(), db.password()), slot);
            db.close();
        }
    }
}

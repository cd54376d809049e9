package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.pipeline.Pipeline.Part;
import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only {@code ./ssot setup} migrates and creates topics: {@code run X} (and {@code up} against configured infrastructure)
 * checks them and refuses to start, naming what is wrong and the command that fixes it, and changes nothing.
 */
class RunChecksInsteadOfMigratingTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldRefuseToRunAServiceOnADatabaseWhoseSchemaIsBehindAndLeaveItAsItWas() throws Exception {
        // given: a database an older release set up (migrations up to V6 only)
        try (TestDatabase db = TestStack.get().newEmptyDatabase("schema_behind")) {
            Flyway.configure().dataSource(db.dataSource()).locations("classpath:db/migration")
                    .placeholders(Map.of("publication", "ssot_relay")).target("6").load().migrate();
            Map<String, String> env = TestPipeline.environment(db, TestPipeline.suffix("behind"), dataDir);

            // when ./ssot run projector starts against it, then it refuses, naming both versions and ./ssot setup
            assertThatThrownBy(() -> Pipeline.start(ConfigSource.of(env), Pipeline.Options.only(Part.PROJECTOR), line -> { }))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("schema is at version 6, behind version")
                    .hasMessageContaining("./ssot setup")
                    .hasMessageMatching("(?s).*behind version [0-9]+ that this build needs.*");
            // and it migrated nothing
            assertThat(schemaVersion(db)).isEqualTo("6");
        }
    }

    @Test
    void shouldRefuseToRunOnAnEmptyDatabaseAndCreateNothing() throws Exception {
        try (TestDatabase db = TestStack.get().newEmptyDatabase("schema_none")) {
            Map<String, String> env = TestPipeline.environment(db, TestPipeline.suffix("none"), dataDir);

            assertThatThrownBy(() -> Pipeline.start(ConfigSource.of(env), Pipeline.Options.only(Part.RELAY), line -> { }))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("the database has no schema")
                    .hasMessageContaining("./ssot setup");
            assertThat(tableCount(db)).as("no table created").isZero();
        }
    }

    @Test
    void shouldRefuseToRunWhenTopicsAreMissingNamingThemAndCreateNone() throws Exception {
        // given: a migrated database, but ./ssot setup never ran against Kafka with these topic names
        try (TestDatabase db = TestStack.get().newDatabase("topics_missing")) {
            String suffix = TestPipeline.suffix("notopics");
            Map<String, String> env = TestPipeline.environment(db, suffix, dataDir);
            String violations = env.get("TOPIC_VIOLATIONS");

            // when ./ssot up runs against this (configured, not embedded) infrastructure, then it refuses, naming them
            assertThatThrownBy(() -> Pipeline.start(ConfigSource.of(env), Pipeline.Options.all(), line -> { }))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("Kafka topics missing")
                    .hasMessageContaining(violations)
                    .hasMessageContaining(env.get("TOPIC_NUMBERS_PROVISIONED"))
                    .hasMessageContaining("./ssot setup");
            Set<String> topics = TestStack.get().admin().listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(topics).as("no topic was created").noneMatch(name -> name.contains(suffix));

            // and ./ssot setup is what creates them
            Pipeline.setup(ConfigSource.of(env), line -> { });
            assertThat(TestStack.get().admin().listTopics().names().get(30, TimeUnit.SECONDS)).contains(violations);
        }
    }

    private static String schemaVersion(TestDatabase db) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version FROM flyway_schema_history WHERE success"
                     + " ORDER BY installed_rank DESC LIMIT 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int tableCount(TestDatabase db) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}

package com.voxanne.ssot.testkit;

import com.voxanne.ssot.embedded.Directories;
import com.voxanne.ssot.embedded.EmbeddedStack;
import com.voxanne.ssot.platform.config.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default: a real Kafka broker in this JVM, a real PostgreSQL and a real schema registry (Apicurio) as child
 * processes, data under target/ (or a temp dir).
 */
final class EmbeddedBackend implements StackBackend {
    static final String KEEP_DATA_PROPERTY = "ssot.testkit.keepData";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBackend.class);

    private final Path dataDir;
    private final EmbeddedStack stack;

    private EmbeddedBackend(Path dataDir, EmbeddedStack stack) {
        this.dataDir = dataDir;
        this.stack = stack;
    }

    static EmbeddedBackend start(String runId) {
        Path dataDir = dataDirFor(runId);
        return new EmbeddedBackend(dataDir, EmbeddedStack.start(dataDir, true));
    }

    private static Path dataDirFor(String runId) {
        Path target = Path.of("target");
        try {
            if (Files.isDirectory(target) && Files.isWritable(target)) {
                return target.toAbsolutePath().resolve("ssot-testkit").resolve(runId);
            }
            return Files.createTempDirectory("ssot-testkit-" + runId + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a data directory for the test stack", e);
        }
    }

    @Override
    public TestStack.Mode mode() {
        return TestStack.Mode.EMBEDDED;
    }

    @Override
    public String bootstrapServers() {
        return stack.bootstrapServers();
    }

    @Override
    public String jdbcUrl(String database) {
        return stack.jdbcUrl(database);
    }

    @Override
    public String maintenanceDatabase() {
        return "postgres";
    }

    @Override
    public String user() {
        return stack.postgres().user();
    }

    @Override
    public Optional<Secret> password() {
        return Optional.empty();
    }

    @Override
    public String schemaRegistryUrl() {
        return stack.schemaRegistryUrl();
    }

    @Override
    public void stopSchemaRegistry() {
        stack.schemaRegistry().stop();
    }

    @Override
    public void startSchemaRegistry() {
        stack.schemaRegistry().start();
    }

    @Override
    public void stopPostgres() {
        stack.postgres().stop();
    }

    @Override
    public void startPostgres() {
        stack.postgres().start();
    }

    @Override
    public void restartKafka() {
        stack.kafka().restart();
    }

    @Override
    public void stopKafka() {
        stack.kafka().close();
    }

    @Override
    public void stopPostgresForGood() {
        stack.close();
        if (Boolean.getBoolean(KEEP_DATA_PROPERTY)) {
            log.info("Test stack data kept in {} (-D{}=true)", dataDir, KEEP_DATA_PROPERTY);
            return;
        }
        Directories.deleteRecursively(dataDir);
    }

}

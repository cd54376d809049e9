package com.voxanne.ssot.faults.system;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the pipeline under test runs: a Kafka broker and a migrated, empty PostgreSQL database that the suite may
 * fault ({@link StackFaults}), and a data directory for the reconciler's state. The database must accept the suite's
 * fake password (the embedded and test-kit PostgreSQL trust local connections), so that the password the services
 * carry is a recognisable fake.
 *
 * @param suffix makes this run's topics, groups and replication slot unique on a shared broker and server
 */
public record PipelineEnvironment(String bootstrapServers, String jdbcUrl, String databaseUser, Path dataDir,
                                  StackFaults stackFaults, String suffix) {
    public PipelineEnvironment {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(databaseUser, "databaseUser");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(stackFaults, "stackFaults");
        if (suffix == null || !suffix.matches("[a-z0-9_]{1,20}")) {
            throw new IllegalArgumentException("suffix must be 1-20 of [a-z0-9_], was '" + suffix + "'");
        }
    }
}

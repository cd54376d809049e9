package com.voxanne.ssot.platform.db;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the versioned schema (classpath:db/migration) with Flyway. Safe to call on every start. */
public final class Migrations {
    public static final String DEFAULT_PUBLICATION = "ssot_relay";
    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    public static MigrateResult apply(DataSource dataSource) {
        return apply(dataSource, DEFAULT_PUBLICATION);
    }

    /** @param publication name of the logical-replication publication the relay reads */
    public static MigrateResult apply(DataSource dataSource, String publication) {
        if (!publication.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("publication name must be a lower-case SQL identifier, was '" + publication + "'");
        }
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .placeholders(Map.of("publication", publication))
                .loggers("slf4j")
                .load()
                .migrate();
        log.info("Database schema at version {} ({} migrations applied now)", result.targetSchemaVersion,
                result.migrationsExecuted);
        return result;
    }
}

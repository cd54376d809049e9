package com.voxanne.ssot.platform.db;

import com.voxanne.ssot.platform.config.ConfigException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versioned schema (classpath:db/migration, Flyway). {@link #apply} migrates: only {@code ./ssot setup} (and
 * {@code ./ssot up} on the embedded default, which is its own setup) calls it, as the owner. Every other start calls
 * {@link #requireCurrent}, which only reads the schema history, so a service runs with a role that cannot change the
 * schema and refuses a database set up by another release.
 */
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
        MigrateResult result = flyway(dataSource, publication).migrate();
        log.info("Database schema at version {} ({} migrations applied now)", result.targetSchemaVersion,
                result.migrationsExecuted);
        return result;
    }

    /**
     * Checks, without changing anything, that the database's schema is exactly at the newest version this build ships.
     *
     * @return the version found (the shipped one)
     * @throws ConfigException naming both versions and {@code ./ssot setup} when the schema is behind, ahead (set up by
     *                         a newer release), failed half-way, or absent; or when the history cannot be read
     */
    public static String requireCurrent(DataSource dataSource, String publication) {
        MigrationInfoService info;
        try {
            info = flyway(dataSource, publication).info();
        } catch (FlywayException e) {
            throw new ConfigException("cannot read the database's schema version (table flyway_schema_history): "
                    + e.getMessage() + ". The database user needs one of the service roles the migrations create"
                    + " (ssot_relay, ssot_provisioner, ssot_projector, ssot_reader); `./ssot setup` creates them");
        }
        String shipped = shipped(info).getVersion().getVersion();
        Optional<MigrationInfo> current = Optional.ofNullable(info.current());
        if (current.isEmpty()) {
            throw new ConfigException("the database has no schema (this build needs version " + shipped
                    + "): run `./ssot setup` with the owner's DATABASE_USER first; services never migrate");
        }
        MigrationInfo at = current.get();
        String found = at.getVersion().getVersion();
        if (at.getState().isFailed()) {
            throw new ConfigException("the database's migration to schema version " + found + " failed (this build needs "
                    + "version " + shipped + "): fix it and run `./ssot setup` again");
        }
        int order = at.getVersion().compareTo(MigrationVersion.fromVersion(shipped));
        if (order < 0) {
            throw new ConfigException("the database's schema is at version " + found + ", behind version " + shipped
                    + " that this build needs: run `./ssot setup` of this release first (services never migrate)");
        }
        if (order > 0) {
            throw new ConfigException("the database's schema is at version " + found + ", ahead of version " + shipped
                    + " that this build knows: it was set up by a newer release; run that release, or `./ssot setup` of"
                    + " this one on a database of its own");
        }
        return found;
    }

    private static MigrationInfo shipped(MigrationInfoService info) {
        return Arrays.stream(info.all())
                .filter(m -> m.getState().isResolved() && m.getVersion() != null)
                .max(Comparator.comparing(MigrationInfo::getVersion))
                .orElseThrow(() -> new IllegalStateException("no migration found on the classpath (db/migration)"));
    }

    private static Flyway flyway(DataSource dataSource, String publication) {
        Objects.requireNonNull(publication, "publication");
        if (!publication.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("publication name must be a lower-case SQL identifier, was '" + publication + "'");
        }
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .placeholders(Map.of("publication", publication))
                .loggers("slf4j")
                .load();
    }
}

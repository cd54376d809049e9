package com.voxanne.ssot.projector.store;

import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;

/**
 * The projector's connection pool: platform's settings (autocommit off, starts while the database is down)
 * plus a short connection timeout fixed at construction (Hikari reads it only then), so that while the
 * database is down each retry fails fast and health turns DEGRADED within seconds rather than after 10 s.
 */
public final class SsotPool {
    private SsotPool() {
    }

    public static HikariDataSource open(DatabaseSettings database, String poolName, int maxSize, Duration connectTimeout) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName(poolName);
        cfg.setJdbcUrl(database.jdbcUrl());
        cfg.setUsername(database.user());
        database.password().ifPresent(p -> cfg.setPassword(p.reveal()));
        cfg.setMaximumPoolSize(maxSize);
        cfg.setMinimumIdle(1);
        cfg.setAutoCommit(false);
        cfg.setConnectionTimeout(connectTimeout.toMillis());
        cfg.setValidationTimeout(Math.min(connectTimeout.toMillis(), 5_000));
        cfg.setInitializationFailTimeout(-1);
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(cfg);
    }
}

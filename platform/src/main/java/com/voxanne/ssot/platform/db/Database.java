package com.voxanne.ssot.platform.db;

import com.voxanne.ssot.platform.config.Secret;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Optional;

/** Builds the connection pool. Connections are autocommit off: every unit of work commits explicitly. */
public final class Database {
    private Database() {
    }

    public static HikariDataSource pool(String poolName, String jdbcUrl, String user, Optional<Secret> password, int maxSize) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName(poolName);
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setUsername(user);
        password.ifPresent(p -> cfg.setPassword(p.reveal()));
        cfg.setMaximumPoolSize(maxSize);
        cfg.setMinimumIdle(1);
        cfg.setAutoCommit(false);
        cfg.setConnectionTimeout(10_000);
        // Start even when the database is down for a while; callers retry with backoff.
        cfg.setInitializationFailTimeout(-1);
        cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(cfg);
    }
}

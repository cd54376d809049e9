package com.voxanne.ssot.platform.service;

import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.db.Database;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Optional;

/** Where the database is. Each service opens its own pool of the size it needs. */
public record DatabaseSettings(String jdbcUrl, String user, Optional<Secret> password) {
    public HikariDataSource pool(String name, int maxSize) {
        return Database.pool(name, jdbcUrl, user, password, maxSize);
    }

    @Override
    public String toString() {
        return "DatabaseSettings[jdbcUrl=" + jdbcUrl + ", user=" + user + ", password=" + password.map(Secret::toString).orElse("none") + "]";
    }
}

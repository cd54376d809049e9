package com.voxanne.ssot.testkit;

import com.voxanne.ssot.platform.config.Secret;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A uniquely named database on the test stack's PostgreSQL, for one test (class). Close it: that closes the pool,
 * drops the database's replication slots (terminating their WAL senders) and drops the database.
 */
public final class TestDatabase implements AutoCloseable {
    private final String name;
    private final String jdbcUrl;
    private final String user;
    private final Optional<Secret> password;
    private final HikariDataSource dataSource;
    private final Consumer<TestDatabase> dropper;
    private final AtomicBoolean closed = new AtomicBoolean();

    TestDatabase(String name, String jdbcUrl, String user, Optional<Secret> password, HikariDataSource dataSource,
            Consumer<TestDatabase> dropper) {
        this.name = Objects.requireNonNull(name, "name");
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.dropper = Objects.requireNonNull(dropper, "dropper");
    }

    /** The database name, e.g. {@code relay_k3x9q_4}. */
    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return user;
    }

    public Optional<Secret> password() {
        return password;
    }

    /** A small pool (autocommit off, like the services' pools): commit explicitly. Closed by {@link #close()}. */
    public HikariDataSource dataSource() {
        return dataSource;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Closes the pool, drops this database's replication slots and the database itself. Idempotent. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            dataSource.close();
        } finally {
            dropper.accept(this);
        }
    }

    @Override
    public String toString() {
        return "TestDatabase[" + name + ", " + jdbcUrl + "]";
    }
}

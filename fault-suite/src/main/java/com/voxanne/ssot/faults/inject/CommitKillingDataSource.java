package com.voxanne.ssot.faults.inject;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The projector's database, with a trap between its two commits: once {@link #arm armed}, the next transaction COMMIT
 * goes through and then the process "dies" (a {@link SimulatedKill} on the writing thread, and from then on no
 * connection can be had), so the Kafka offsets of that batch are never committed. This is how the suite kills the
 * projector between its SSOT commit and its offset commit from outside, through the DataSource its public
 * constructor takes, without a seam in the projector. Not owned: the caller closes the delegate.
 */
public final class CommitKillingDataSource implements DataSource {
    private final DataSource delegate;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicBoolean dead = new AtomicBoolean();
    private final CountDownLatch fired = new CountDownLatch(1);

    public CommitKillingDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    public void arm() {
        armed.set(true);
    }

    public void disarm() {
        armed.set(false);
    }

    /** Waits until a commit went through and the "process" died after it; false if no commit came within {@code timeout}. */
    public boolean awaitFired(Duration timeout) throws InterruptedException {
        return fired.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean dead() {
        return dead.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return trap(alive().getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return trap(alive().getConnection(username, password));
    }

    private DataSource alive() throws SQLException {
        if (dead.get()) {
            throw new SQLException("the process was killed (simulated): no more database work");
        }
        return delegate;
    }

    private Connection trap(Connection real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("commit") && (args == null || args.length == 0)) {
                if (dead.get()) {
                    throw new SQLException("the process was killed (simulated): commit refused");
                }
                real.commit();
                if (armed.compareAndSet(true, false)) {
                    dead.set(true);
                    fired.countDown();
                    throw new SimulatedKill("after the SSOT COMMIT, before the offset commit");
                }
                return null;
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper of " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }
}

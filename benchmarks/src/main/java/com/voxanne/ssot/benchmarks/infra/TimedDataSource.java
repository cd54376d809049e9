package com.voxanne.ssot.benchmarks.infra;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A DataSource that measures how long its connections are held (borrow to close): wrapped around the pool a
 * component under test uses, it tells how much of the component's wall time was spent in database transactions.
 */
public final class TimedDataSource implements DataSource {
    private final DataSource delegate;
    private final AtomicLong heldNanos = new AtomicLong();
    private final AtomicLong borrows = new AtomicLong();

    public TimedDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    /** Total time connections were held, in seconds. */
    public double heldSeconds() {
        return heldNanos.get() / 1e9;
    }

    public long borrows() {
        return borrows.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return timed(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return timed(delegate.getConnection(username, password));
    }

    private Connection timed(Connection connection) {
        long borrowedAt = System.nanoTime();
        borrows.incrementAndGet();
        boolean[] closed = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && !closed[0]) {
                        closed[0] = true;
                        heldNanos.addAndGet(System.nanoTime() - borrowedAt);
                    }
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
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
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}

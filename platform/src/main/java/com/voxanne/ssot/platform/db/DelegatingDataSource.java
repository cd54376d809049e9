package com.voxanne.ssot.platform.db;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@code DataSource} that hands every call to another one, for harnesses that watch or sabotage the database a
 * component uses (timing how long connections are held, killing the "process" after a commit) without a seam in the
 * component: a subclass overrides {@link #wrap} (and {@link #beforeBorrow}) and keeps only what it adds. Not owned:
 * whoever opened the delegate closes it.
 */
public abstract class DelegatingDataSource implements DataSource {
    private final DataSource delegate;

    protected DelegatingDataSource(DataSource delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Decides what the component gets for a connection borrowed from the delegate; the borrowed one by default. */
    protected Connection wrap(Connection borrowed) throws SQLException {
        return borrowed;
    }

    /** Runs before each borrow; throwing refuses the connection without touching the delegate. */
    protected void beforeBorrow() throws SQLException {
    }

    /** One call on a wrapped connection: handle it, or pass it on with {@link #invoke}. */
    @FunctionalInterface
    protected interface ConnectionCall {
        Object handle(Connection real, Method method, Object[] args) throws Throwable;
    }

    /** A proxy of {@code real} whose every call goes through {@code call}. */
    protected static Connection intercept(Connection real, ConnectionCall call) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> call.handle(real, method, args));
    }

    /** Makes the call on the real connection, throwing what it throws (not the reflection wrapper). */
    protected static Object invoke(Connection real, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public final Connection getConnection() throws SQLException {
        beforeBorrow();
        return wrap(delegate.getConnection());
    }

    @Override
    public final Connection getConnection(String username, String password) throws SQLException {
        beforeBorrow();
        return wrap(delegate.getConnection(username, password));
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

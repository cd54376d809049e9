package com.voxanne.ssot.benchmarks.scale;

import com.voxanne.ssot.platform.db.DelegatingDataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * A DataSource that records every statement a component prepares, with the parameters bound to it (by index), so the
 * bench can ask PostgreSQL for the plan of exactly what the component ran ({@code EXPLAIN (ANALYZE, BUFFERS)} of the
 * same text with the same values) without a copy of its SQL.
 */
final class CapturingDataSource extends DelegatingDataSource {
    /** One prepared statement as it was executed: its text and its parameters by 1-based index. */
    record Statement(String sql, Map<Integer, Object> parameters) {
    }

    private final List<Statement> statements = new ArrayList<>();

    CapturingDataSource(DataSource delegate) {
        super(delegate);
    }

    synchronized List<Statement> statements() {
        return List.copyOf(statements);
    }

    @Override
    protected Connection wrap(Connection connection) {
        return intercept(connection, (real, method, args) -> {
            Object result = invoke(real, method, args);
            if (method.getName().equals("prepareStatement") && args != null && args.length >= 1 && args[0] instanceof String sql
                    && result instanceof PreparedStatement ps) {
                Map<Integer, Object> parameters = new TreeMap<>();
                synchronized (this) {
                    statements.add(new Statement(sql, parameters));
                }
                return recording(ps, parameters);
            }
            return result;
        });
    }

    /** A proxy of {@code real} that remembers every {@code setXxx(index, value)} call's value. */
    private static PreparedStatement recording(PreparedStatement real, Map<Integer, Object> parameters) {
        return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (isSetter(method, args)) {
                        synchronized (parameters) {
                            parameters.put((Integer) args[0], args[1]);
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static boolean isSetter(Method method, Object[] args) {
        return method.getName().startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer
                && !method.getName().equals("setNull");
    }
}

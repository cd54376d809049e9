package com.voxanne.ssot.provisioner.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/**
 * Binds values to a statement's placeholders in the order they are listed, by their Java type, so no caller counts
 * positions. A null is bound as text: every nullable parameter bound this way is a text column.
 */
final class SqlParams {
    private SqlParams() {
    }

    static void bind(PreparedStatement st, Object... values) throws SQLException {
        bind(st, Arrays.asList(values));
    }

    static void bind(PreparedStatement st, List<?> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            int at = i + 1;
            Object value = values.get(i);
            if (value == null) {
                st.setNull(at, Types.VARCHAR);
            } else if (value instanceof String text) {
                st.setString(at, text);
            } else if (value instanceof Long number) {
                st.setLong(at, number);
            } else if (value instanceof Integer number) {
                st.setInt(at, number);
            } else if (value instanceof Boolean flag) {
                st.setBoolean(at, flag);
            } else if (value instanceof OffsetDateTime timestamp) {
                st.setObject(at, timestamp);
            } else {
                throw new IllegalArgumentException("no binding for a " + value.getClass().getName() + " (parameter " + at + ")");
            }
        }
    }
}

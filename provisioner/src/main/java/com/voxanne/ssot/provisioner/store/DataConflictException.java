package com.voxanne.ssot.provisioner.store;

/**
 * The database refused the data (a constraint or data error, SQLSTATE class 23 or 22): retrying the same write will
 * fail the same way. For the final write of a saga this is a permanent DB_WRITE failure.
 */
public final class DataConflictException extends StoreException {
    private static final long serialVersionUID = 1L;
    private final String sqlState;

    public DataConflictException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}

package com.voxanne.ssot.schemas.registry;

/**
 * The schema registry answered, and the answer was no: a schema it refuses (HTTP 409, incompatible under the subject's
 * compatibility level; 422, invalid), an id or subject it does not have (404), credentials it does not accept (401,
 * 403). Carries the HTTP status and the registry's own error code; the message is the registry's.
 */
public class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status of the answer. */
    public int status() {
        return status;
    }

    /** The registry's error code (e.g. 40401 subject not found, 40403 schema not found, 409 incompatible). */
    public int errorCode() {
        return errorCode;
    }
}

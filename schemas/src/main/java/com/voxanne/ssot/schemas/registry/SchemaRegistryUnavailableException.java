package com.voxanne.ssot.schemas.registry;

import org.apache.kafka.common.errors.RetriableException;

/**
 * The schema registry could not be asked: no connection, a timeout, HTTP 5xx or 429. It says nothing about the data,
 * so no record is ever dead-lettered for it: consumers keep the record, back off and try again, the way they do when
 * the database is down. A Kafka {@link RetriableException}, so the clients' own retry logic treats it that way too.
 */
public class SchemaRegistryUnavailableException extends RetriableException {
    private static final long serialVersionUID = 1L;

    public SchemaRegistryUnavailableException(String message) {
        super(message);
    }

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

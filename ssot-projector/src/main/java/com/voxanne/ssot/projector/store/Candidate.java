package com.voxanne.ssot.projector.store;

/**
 * A validated row on its way to the SSOT, with where it came from ({@code source}: a Kafka record, or
 * anything the caller needs to dead-letter it if the database refuses it).
 */
public record Candidate<T>(ProjectedRow row, T source) {
}

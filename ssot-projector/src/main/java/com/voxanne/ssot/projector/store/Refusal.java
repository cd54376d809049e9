package com.voxanne.ssot.projector.store;

/**
 * A candidate the database cannot take (unknown organisation, a constraint its values break): it will
 * never succeed, so it goes to the dead-letter topic instead of blocking its batch.
 *
 * @param errorClass what kind of refusal, e.g. {@code UnknownOrganization} or the SQL exception class
 */
public record Refusal<T>(Candidate<T> candidate, String reason, String errorClass) {
}

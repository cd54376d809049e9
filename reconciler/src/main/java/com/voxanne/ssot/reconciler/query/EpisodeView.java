package com.voxanne.ssot.reconciler.query;

import java.time.Instant;

/**
 * One episode of the compliance timeline as {@code GET /api/timeline} shows it (the contract the status page reads).
 *
 * @param kind            the violation's kind (the latest, if it changed while open)
 * @param state           OPEN or RESOLVED
 * @param resolvedAt      null while OPEN
 * @param durationSeconds openedAt to resolvedAt, or to now while OPEN
 * @param resolvedBy      PROJECTOR, BACKFILL, OPERATOR or NUMBER_CHANGED; null while OPEN or when unknown
 */
public record EpisodeView(
        String orgId,
        String phoneNumber,
        String kind,
        String state,
        Instant missingSince,
        Instant openedAt,
        Instant resolvedAt,
        long durationSeconds,
        String resolvedBy) {
}

package com.voxanne.ssot.reconciler.model;

import java.util.Objects;

/**
 * One violation episode on the compliance timeline: from its OPEN to its RESOLVED (or still open). Kept after the
 * violation resolves, for the timeline's retention, while {@link OpenViolation} is only the open part.
 *
 * <p>A kind change while open stays the same episode (as on the violations topic: same {@code missingSince}, one
 * RESOLVED): the episode carries the latest kind.
 *
 * @param missingSince when the number became non-compliant (the grace ran from here)
 * @param openedAt     when the OPEN was published
 * @param resolvedAt   when the RESOLVED was published; null while open
 * @param resolvedBy   what resolved it; null while open, and when resolved by a row of unknown writer
 */
public record Episode(
        String orgId,
        String phoneNumber,
        Compliance kind,
        long missingSince,
        long openedAt,
        Long resolvedAt,
        ResolvedBy resolvedBy) {

    public Episode {
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(phoneNumber, "phoneNumber");
        Objects.requireNonNull(kind, "kind");
    }

    /** The episode of a violation that opens now. */
    public static Episode opened(OpenViolation open) {
        return new Episode(open.orgId(), open.phoneNumber(), open.kind(), open.missingSince(), open.openedAt(), null, null);
    }

    /** The same episode, still open, with the violation's new kind. */
    public Episode withKind(Compliance newKind) {
        return new Episode(orgId, phoneNumber, newKind, missingSince, openedAt, resolvedAt, resolvedBy);
    }

    /** The episode closed at {@code at}. */
    public Episode resolved(long at, ResolvedBy by) {
        return new Episode(orgId, phoneNumber, kind, missingSince, openedAt, at, by);
    }

    /** True until the episode resolves. */
    public boolean open() {
        return resolvedAt == null;
    }

    /** Seconds from opened to resolved, or to {@code now} while open. */
    public long durationSeconds(long now) {
        long end = resolvedAt != null ? resolvedAt : now;
        return Math.max(0, end - openedAt) / 1000;
    }
}

package com.voxanne.ssot.platform.http;

import java.util.Map;

/** What one component says of itself: UP, DEGRADED (working, but e.g. retrying) or DOWN, with details. */
public record ComponentHealth(Status status, Map<String, Object> details) {
    public enum Status { UP, DEGRADED, DOWN }

    public ComponentHealth {
        details = Map.copyOf(details);
    }

    public static ComponentHealth up(Map<String, Object> details) {
        return new ComponentHealth(Status.UP, details);
    }

    public static ComponentHealth up() {
        return up(Map.of());
    }

    public static ComponentHealth degraded(String reason) {
        return new ComponentHealth(Status.DEGRADED, Map.of("reason", reason));
    }

    public static ComponentHealth down(String reason) {
        return new ComponentHealth(Status.DOWN, Map.of("reason", reason));
    }
}

package com.voxanne.ssot.platform.config;

import java.util.Objects;

/**
 * A secret value (auth token, API key, password). Its {@link #toString()} never reveals it, so a
 * secret that slips into a log line, an exception message or a config dump prints as a mask.
 */
public final class Secret {
    private static final String MASK = "****";
    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The clear value: call it only where the secret leaves for the system that needs it. */
    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return MASK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}

package com.voxanne.ssot.schemas;

import java.util.Objects;
import java.util.regex.Pattern;

import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic with its key and value serdes: the one place that says what travels where.
 *
 * @param name the topic name (legal Kafka name: 1-249 chars of {@code [a-zA-Z0-9._-]}, not
 *     {@code .} or {@code ..})
 * @param keySerde serde of the record key
 * @param valueSerde serde of the record value
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    /** Suffix of the dead-letter topic of every topic. */
    public static final String DLQ_SUFFIX = ".dlq";

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public Topic {
        requireLegalName(name);
        Objects.requireNonNull(keySerde, () -> "keySerde of topic " + name);
        Objects.requireNonNull(valueSerde, () -> "valueSerde of topic " + name);
    }

    /** The dead-letter topic of this topic: {@code <name>.dlq} (raw bytes, error in headers). */
    public String dlq() {
        return dlqOf(name);
    }

    /** The dead-letter topic of the topic named {@code source}: the one place the {@code .dlq} suffix is applied. */
    public static String dlqOf(String source) {
        return requireLegalName(source) + DLQ_SUFFIX;
    }

    /**
     * Checks a topic name against Kafka's rules.
     *
     * @throws IllegalArgumentException naming the offending value
     */
    public static String requireLegalName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("topic name must not be null");
        }
        if (!LEGAL.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("illegal topic name '" + name
                    + "': use 1-249 characters of [a-zA-Z0-9._-], not '.' or '..'");
        }
        return name;
    }
}

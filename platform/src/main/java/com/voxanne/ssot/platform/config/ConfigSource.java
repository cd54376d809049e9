package com.voxanne.ssot.platform.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where settings come from: environment variables first, then an optional properties file
 * ({@code SSOT_CONFIG_FILE}), then the defaults of each setting. Keys are the environment names
 * (e.g. {@code KAFKA_BOOTSTRAP_SERVERS}) in both places.
 */
public final class ConfigSource {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)?");
    private final Map<String, String> values;

    private ConfigSource(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The process environment over the properties file named by SSOT_CONFIG_FILE, if any. */
    public static ConfigSource fromEnvironment() {
        return layered(System.getenv());
    }

    public static ConfigSource of(Map<String, String> values) {
        return new ConfigSource(values);
    }

    static ConfigSource layered(Map<String, String> env) {
        Map<String, String> merged = new HashMap<>();
        String file = env.get("SSOT_CONFIG_FILE");
        if (file != null && !file.isBlank()) {
            Properties props = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(file))) {
                props.load(in);
            } catch (IOException e) {
                throw new ConfigException("SSOT_CONFIG_FILE " + file + " cannot be read: " + e.getMessage());
            }
            props.forEach((k, v) -> merged.put(k.toString().trim(), v.toString().trim()));
        }
        env.forEach((k, v) -> {
            if (v != null) {
                merged.put(k, v);
            }
        });
        return new ConfigSource(merged);
    }

    /** A copy with these values on top (used to point commands at a discovered embedded stack). */
    public ConfigSource withOverrides(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values);
        merged.putAll(overrides);
        return new ConfigSource(merged);
    }

    public Optional<String> get(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public String get(String name, String defaultValue) {
        return get(name).orElse(defaultValue);
    }

    public Optional<Secret> secret(String name) {
        return get(name).map(Secret::of);
    }

    public int getInt(String name, int defaultValue) {
        return wholeNumber(name, Integer::parseInt).orElse(defaultValue);
    }

    public long getLong(String name, long defaultValue) {
        return wholeNumber(name, Long::parseLong).orElse(defaultValue);
    }

    private <N> Optional<N> wholeNumber(String name, java.util.function.Function<String, N> parse) {
        return get(name).map(v -> {
            try {
                return parse.apply(v);
            } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be a whole number, was '" + v + "'");
            }
        });
    }

    public Duration getDuration(String name, Duration defaultValue) {
        return get(name).map(v -> parseDuration(name, v)).orElse(defaultValue);
    }

    /** "250ms", "30s", "5m", "1h", "30d", or a bare number of seconds; ISO-8601 ("PT30S") also accepted. */
    public static Duration parseDuration(String name, String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("pt") || v.startsWith("p")) {
            try {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new ConfigException(name + " must be a duration like 30s, 500ms, 5m, was '" + text + "'");
            }
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw new ConfigException(name + " must be a duration like 30s, 500ms, 5m, was '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** Every non-blank setting whose name starts with {@code prefix} (e.g. {@code OTEL_}), by name. */
    public Map<String, String> startingWith(String prefix) {
        Map<String, String> found = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && v != null && !v.isBlank()) {
                found.put(k, v.trim());
            }
        });
        return found;
    }

    /** Every {@code KAFKA_X_Y} as Kafka client property {@code x.y} (launcher variables excepted). */
    public Map<String, String> kafkaClientProperties() {
        Map<String, String> props = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("KAFKA_") && !KafkaLauncherVariables.isLauncherVariable(k) && v != null && !v.isBlank()) {
                props.put(k.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), v.trim());
            }
        });
        return props;
    }

    private static final class KafkaLauncherVariables {
        static boolean isLauncherVariable(String k) {
            return k.equals("KAFKA_HEAP_OPTS") || k.equals("KAFKA_OPTS") || k.equals("KAFKA_JVM_PERFORMANCE_OPTS")
                    || k.equals("KAFKA_LOG4J_OPTS") || k.equals("KAFKA_JMX_OPTS") || k.equals("KAFKA_DEBUG")
                    || k.equals("KAFKA_GC_LOG_OPTS");
        }
    }
}

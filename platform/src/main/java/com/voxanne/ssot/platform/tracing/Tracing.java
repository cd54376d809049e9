package com.voxanne.ssot.platform.tracing;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The process's one OpenTelemetry: built once per JVM (several services in one {@code ./ssot up} share it) from the
 * standard {@code OTEL_*} variables by the SDK's autoconfiguration, and flushed and closed with the process.
 *
 * <p>What differs from the SDK's own defaults, and why: the traces, metrics and logs exporters default to
 * {@code none} (the SDK would otherwise send OTLP to localhost:4318 from every installation that never asked for
 * tracing; metrics already go to Prometheus), and the service name defaults to the component that runs. Any
 * {@code OTEL_*} the user sets wins, from the environment or from the {@code SSOT_CONFIG_FILE} like every setting.
 * The OTLP exporter sends over {@code java.net.http} (no OkHttp). Its {@code OTEL_EXPORTER_OTLP_*HEADERS} carry
 * credentials: they are secrets of {@link com.voxanne.ssot.platform.config.SsotConfig#secrets()}.
 */
public final class Tracing implements AutoCloseable {
    /** The variable that turns exporting on: {@code otlp}, {@code console}, ... ; unset means {@code none} here. */
    public static final String TRACES_EXPORTER = "OTEL_TRACES_EXPORTER";
    /** Defaults that replace the SDK's own; each one is overridden by the variable of the same name. */
    static final Map<String, String> DEFAULTS = Map.of(
            "otel.traces.exporter", "none",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none",
            // the JDK sender (java.net.http) speaks OTLP over HTTP; the SDK's own default, gRPC, needs OkHttp
            "otel.exporter.otlp.protocol", "http/protobuf");

    private final OpenTelemetry openTelemetry;
    private final OpenTelemetrySdk owned;

    private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk owned) {
        this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
        this.owned = owned;
    }

    /**
     * The SDK configured from the {@code OTEL_*} settings in {@code source} (on top of the process environment and
     * system properties, which the autoconfiguration reads too), with {@link #DEFAULTS} and {@code serviceName} where
     * nothing is set.
     *
     * @param serviceName the default {@code service.name}: the component, e.g. {@code ssot-provisioner}
     */
    public static Tracing fromConfig(ConfigSource source, String serviceName) {
        Map<String, String> defaults = new TreeMap<>(DEFAULTS);
        defaults.put("otel.service.name", serviceName);
        Map<String, String> configured = properties(source);
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .addPropertiesCustomizer(ignored -> configured)
                    .disableShutdownHook() // closed in order with the rest of the process (see close)
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            throw new ConfigException("OpenTelemetry settings (OTEL_*) are not usable: " + reason(e));
        }
        return new Tracing(sdk, sdk);
    }

    /** An OpenTelemetry the caller owns (a test's SDK with an in-memory exporter): not closed by {@link #close}. */
    public static Tracing using(OpenTelemetry openTelemetry) {
        return new Tracing(openTelemetry, null);
    }

    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** The SDK's own explanation: the innermost message (its outer one is often "Unexpected configuration error"). */
    private static String reason(Throwable e) {
        Throwable cur = e;
        while (cur.getCause() != null && cur.getCause() != cur) {
            cur = cur.getCause();
        }
        return cur.getMessage() == null ? cur.getClass().getSimpleName() : cur.getMessage();
    }

    /** Every {@code OTEL_X_Y} setting as the SDK's property {@code otel.x.y}. */
    static Map<String, String> properties(ConfigSource source) {
        Map<String, String> props = new TreeMap<>();
        source.startingWith("OTEL_").forEach((name, value) ->
                props.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value));
        return props;
    }

    /** Exports what the services' spans still hold (bounded), then shuts the SDK down. */
    @Override
    public void close() {
        if (owned != null) {
            owned.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return owned != null ? "Tracing[sdk=" + owned + "]" : "Tracing[given=" + openTelemetry + "]";
    }
}

package com.voxanne.ssot.platform.service;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;

/**
 * What every service is built from: the validated shared config, the raw source (for the service's own
 * settings), where Kafka and Postgres are (already resolved: external or embedded), the process's
 * metrics and health registries, the redactor for anything that leaves the process, and the process's one
 * OpenTelemetry (see {@link com.voxanne.ssot.platform.tracing.Tracing}) that every service takes its tracer from.
 */
public record ServiceContext(
        SsotConfig config,
        ConfigSource source,
        KafkaClients kafka,
        DatabaseSettings database,
        MeterRegistry metrics,
        HealthRegistry health,
        Redactor redactor,
        OpenTelemetry openTelemetry) {

    /** A context without tracing (harnesses and benchmarks that do not look at spans). */
    public ServiceContext(SsotConfig config, ConfigSource source, KafkaClients kafka, DatabaseSettings database,
                          MeterRegistry metrics, HealthRegistry health, Redactor redactor) {
        this(config, source, kafka, database, metrics, health, redactor, OpenTelemetry.noop());
    }

    /** The tracer of one service, named after it (the instrumentation scope shows which service made a span). */
    public Tracer tracer(String service) {
        return openTelemetry.getTracer("com.voxanne.ssot." + service);
    }
}

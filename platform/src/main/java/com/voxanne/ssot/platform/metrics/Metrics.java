package com.voxanne.ssot.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The process's meter registry (Prometheus) and the metric names the services share. */
public final class Metrics {
    /** Every failure, counted by where it happened (SPEC: "counted by failurePoint"). */
    public static final String FAILURES = "ssot.failures";
    public static final String TAG_FAILURE_POINT = "failure_point";
    public static final String TAG_SERVICE = "service";

    private Metrics() {
    }

    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        return registry;
    }

    public static Counter failures(MeterRegistry registry, String service, String failurePoint) {
        return Counter.builder(FAILURES)
                .description("Failures by the point where they happened")
                .tag(TAG_SERVICE, service)
                .tag(TAG_FAILURE_POINT, failurePoint)
                .register(registry);
    }
}

package com.voxanne.ssot.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The process's meter registry (Prometheus) and the metric names the services share. */
public final class Metrics {
    /** Every failure, counted by where it happened (SPEC: "counted by failurePoint"). */
    public static final String FAILURES = "ssot.failures";
    /** Records parked on a dead-letter topic, by service and dead-letter topic. */
    public static final String DEAD_LETTERS = "ssot.dlq.records";
    public static final String TAG_FAILURE_POINT = "failure_point";
    public static final String TAG_SERVICE = "service";
    public static final String TAG_TOPIC = "topic";

    private Metrics() {
    }

    /**
     * A Prometheus registry with the JVM (memory, GC, threads, class loading) and process (CPU, uptime, open file
     * descriptors) meters bound. Closing it also stops the GC meters (they listen to the JVM's GC notifications).
     */
    public static PrometheusMeterRegistry newRegistry() {
        JvmGcMetrics gc = new JvmGcMetrics();
        PrometheusMeterRegistry registry = new ProcessRegistry(gc);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return registry;
    }

    public static Counter failures(MeterRegistry registry, String service, String failurePoint) {
        return Counter.builder(FAILURES)
                .description("Failures by the point where they happened")
                .tag(TAG_SERVICE, service)
                .tag(TAG_FAILURE_POINT, failurePoint)
                .register(registry);
    }

    /**
     * The count of records {@code service} parked on {@code deadLetterTopic}. Services make it (at 0) at start for every
     * dead-letter topic they may write, so that a first dead letter is an increase Prometheus can see.
     */
    public static Counter deadLetters(MeterRegistry registry, String service, String deadLetterTopic) {
        return Counter.builder(DEAD_LETTERS)
                .description("Records parked on a dead-letter topic")
                .tag(TAG_SERVICE, service)
                .tag(TAG_TOPIC, deadLetterTopic)
                .register(registry);
    }

    /** The registry of {@link #newRegistry()}: closing it unhooks the GC meters from the JVM too. */
    private static final class ProcessRegistry extends PrometheusMeterRegistry {
        private final JvmGcMetrics gc;

        ProcessRegistry(JvmGcMetrics gc) {
            super(PrometheusConfig.DEFAULT);
            this.gc = gc;
        }

        @Override
        public void close() {
            try {
                gc.close();
            } finally {
                super.close();
            }
        }
    }
}

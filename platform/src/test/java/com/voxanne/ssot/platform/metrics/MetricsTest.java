package com.voxanne.ssot.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void shouldExposeJvmAndProcessMetricsThroughTheMaintainedBinders() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        try {
            System.gc(); // a collection, so that the GC binder has something to show

            String scrape = registry.scrape();

            assertThat(scrape)
                    .contains("jvm_memory_used_bytes{")
                    .contains("jvm_gc_")
                    .contains("jvm_threads_live_threads ")
                    .contains("jvm_classes_loaded_classes ")
                    .contains("process_cpu_usage ")
                    .contains("system_cpu_count ")
                    .contains("process_uptime_seconds ")
                    .contains("process_files_open_files ");
        } finally {
            registry.close();
        }
    }

    @Test
    void shouldShowADeadLetterCounterAtZeroBeforeTheFirstDeadLetter() {
        PrometheusMeterRegistry registry = Metrics.newRegistry();
        try {
            Metrics.deadLetters(registry, "provisioner", "telephony.provisioning.requests.dlq");

            assertThat(registry.scrape()).contains(
                    "ssot_dlq_records_total{service=\"provisioner\",topic=\"telephony.provisioning.requests.dlq\"} 0.0");

            Metrics.deadLetters(registry, "provisioner", "telephony.provisioning.requests.dlq").increment();
            assertThat(registry.scrape()).contains(
                    "ssot_dlq_records_total{service=\"provisioner\",topic=\"telephony.provisioning.requests.dlq\"} 1.0");
        } finally {
            registry.close();
        }
    }
}

package com.voxanne.ssot.platform.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exporter default (none unless OTEL_TRACES_EXPORTER says otherwise) and the service name, read from the SDK the
 * autoconfiguration really built.
 */
class TracingTest {

    @Test
    void shouldExportNothingWhenNoExporterIsConfigured() {
        // given no OTEL_* setting at all
        try (Tracing tracing = Tracing.fromConfig(ConfigSource.of(Map.of()), "ssot-provisioner")) {
            // then the tracer provider has no exporting processor, and the component names the service
            String provider = sdk(tracing).getSdkTracerProvider().toString();
            assertThat(provider).doesNotContain("BatchSpanProcessor").doesNotContain("Otlp");
            assertThat(provider).contains("service.name=\"ssot-provisioner\"");
        }
    }

    @Test
    void shouldExportWithTheExporterAndServiceNameTheOtelVariablesName() {
        // given the user's OTEL_* settings
        ConfigSource source = ConfigSource.of(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1", "OTEL_SERVICE_NAME", "telephony-edge"));

        try (Tracing tracing = Tracing.fromConfig(source, "ssot-provisioner")) {
            // then they win over our defaults: an OTLP exporter (over java.net.http), their service name
            String provider = sdk(tracing).getSdkTracerProvider().toString();
            assertThat(provider).contains("BatchSpanProcessor").contains("OtlpHttpSpanExporter");
            assertThat(provider).contains("service.name=\"telephony-edge\"").doesNotContain("ssot-provisioner");
        }
    }

    @Test
    void shouldRefuseUnusableOtelSettingsWithAClearError() {
        ConfigSource source = ConfigSource.of(Map.of("OTEL_TRACES_EXPORTER", "carrier-pigeon"));

        assertThatThrownBy(() -> Tracing.fromConfig(source, "ssot"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("OTEL_*").hasMessageContaining("carrier-pigeon");
    }

    @Test
    void shouldMapOtelVariablesToTheSdkPropertyNames() {
        Map<String, String> props = Tracing.properties(ConfigSource.of(Map.of("OTEL_TRACES_EXPORTER", "console",
                "OTEL_TRACES_SAMPLER", "parentbased_always_on", "KAFKA_ACKS", "1")));

        assertThat(props).containsExactlyInAnyOrderEntriesOf(Map.of("otel.traces.exporter", "console",
                "otel.traces.sampler", "parentbased_always_on"));
    }

    @Test
    void shouldLeaveAGivenOpenTelemetryToItsOwner() {
        // given a test's own SDK
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        OpenTelemetrySdk own = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();

        // when the tracing that uses it closes, then the SDK still runs (its owner closes it)
        Tracing.using(own).close();

        own.getTracer("t").spanBuilder("after").startSpan().end();
        assertThat(exporter.getFinishedSpanItems()).extracting(s -> s.getName()).containsExactly("after");
        own.close();
    }

    private static OpenTelemetrySdk sdk(Tracing tracing) {
        return (OpenTelemetrySdk) tracing.openTelemetry();
    }
}

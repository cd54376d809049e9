package com.voxanne.ssot.platform.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The propagation helpers: Kafka headers and database columns in, a parent context out, and back. */
class TraceParentTest {
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void shouldReadTheTraceContextOfARecordsHeadersAndContinueItsTrace() {
        // given a record whose producer put a traceparent and a tracestate in its headers
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));
        headers.add("tracestate", "vendor=abc".getBytes(StandardCharsets.UTF_8));

        // when it is read and a span is started under it
        TraceParent parent = TraceParent.fromHeaders(headers).orElseThrow();
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        SpanData child;
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
            provider.get("test").spanBuilder("child").setParent(parent.context()).startSpan().end();
            child = exporter.getFinishedSpanItems().get(0); // before close: shutting the exporter down empties it
        }

        // then the span is in the producer's trace, a child of its span, and the tracestate came along
        assertThat(child.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(child.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(parent.tracestate()).isEqualTo("vendor=abc");
        assertThat(parent.spanContext().isRemote()).isTrue();
    }

    @Test
    void shouldFindNoTraceContextInHeadersWithoutOrWithAMalformedTraceparent() {
        RecordHeaders none = new RecordHeaders();
        RecordHeaders malformed = new RecordHeaders();
        malformed.add("traceparent", "00-not-a-trace-01".getBytes(StandardCharsets.UTF_8));

        assertThat(TraceParent.fromHeaders(none)).isEmpty();
        assertThat(TraceParent.fromHeaders(malformed)).isEmpty();
        assertThat(TraceParent.fromColumns(null, null)).isEmpty();
        assertThat(TraceParent.fromColumns("garbage", null)).isEmpty();
    }

    @Test
    void shouldWriteTheCurrentSpansContextIntoHeadersReplacingAnEarlierOne() {
        // given a span in progress and headers that carry an older traceparent
        SpanContext span = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
                io.opentelemetry.api.trace.TraceFlags.getSampled(), io.opentelemetry.api.trace.TraceState.getDefault());
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));

        // when its context is stored (as a column would keep it) and written to the headers
        TraceParent stored;
        try (var scope = Context.root().with(Span.wrap(span)).makeCurrent()) {
            stored = TraceParent.current().orElseThrow();
        }
        TraceParent.fromColumns(stored.traceparent(), stored.tracestate()).orElseThrow().writeTo(headers);

        // then exactly one traceparent, the span's, and no empty tracestate
        assertThat(stored.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(headers.headers("traceparent")).hasSize(1);
        assertThat(new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8)).isEqualTo(stored.traceparent());
        assertThat(headers.lastHeader("tracestate")).isNull();
        assertThat(TraceParent.current()).as("outside any span").isEmpty();
    }
}

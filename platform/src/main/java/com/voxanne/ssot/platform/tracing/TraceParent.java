package com.voxanne.ssot.platform.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;

/**
 * A W3C trace context as it is stored and carried: the {@code traceparent} text (version, trace id, parent span id,
 * flags) and the optional vendor {@code tracestate}. It is what a saga keeps in {@code provisioning_requests} and the
 * outbox row keeps for the relay, so a trace survives a crash, another instance and the hop through the database.
 * Always W3C (not whatever OTEL_PROPAGATORS says): the contract names the {@code traceparent} header.
 *
 * @param traceparent the {@code traceparent} value, valid (only {@link #of} and {@link #fromHeaders} make one)
 * @param tracestate  the {@code tracestate} value, or null
 */
public record TraceParent(String traceparent, String tracestate) {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    public TraceParent {
        if (traceparent == null || traceparent.isBlank()) {
            throw new IllegalArgumentException("traceparent must be set (a W3C trace context), was '" + traceparent + "'");
        }
        tracestate = tracestate == null || tracestate.isBlank() ? null : tracestate;
    }

    /** The context of the span in {@code context}, or empty when it holds no valid span context. */
    public static Optional<TraceParent> of(Context context) {
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(context, carrier, Map::put);
        String tp = carrier.get(TRACEPARENT);
        return tp == null ? Optional.empty() : Optional.of(new TraceParent(tp, carrier.get(TRACESTATE)));
    }

    /** The context of the current span, or empty when there is none (tracing off, or outside any span). */
    public static Optional<TraceParent> current() {
        return of(Context.current());
    }

    /** The trace context a record's headers carry, or empty when there is none or it is malformed. */
    public static Optional<TraceParent> fromHeaders(Headers headers) {
        return of(W3C.extract(Context.root(), headers, KafkaHeadersCarrier.INSTANCE));
    }

    /** The trace context stored in two columns, or empty for a row stored without one (null {@code traceparent}). */
    public static Optional<TraceParent> fromColumns(String traceparent, String tracestate) {
        if (traceparent == null || traceparent.isBlank()) {
            return Optional.empty();
        }
        return of(new TraceParent(traceparent, tracestate).context());
    }

    /** A context whose span is this remote parent: start a span with it as parent to continue the trace. */
    public Context context() {
        return W3C.extract(Context.root(), this, Getter.INSTANCE);
    }

    public SpanContext spanContext() {
        return Span.fromContext(context()).getSpanContext();
    }

    public String traceId() {
        return spanContext().getTraceId();
    }

    /** Puts {@code traceparent} (and {@code tracestate} when set) into these headers, replacing earlier ones. */
    public void writeTo(Headers headers) {
        KafkaHeadersCarrier.INSTANCE.set(headers, TRACEPARENT, traceparent);
        if (tracestate != null) {
            KafkaHeadersCarrier.INSTANCE.set(headers, TRACESTATE, tracestate);
        }
    }

    private enum Getter implements TextMapGetter<TraceParent> {
        INSTANCE;

        @Override
        public Iterable<String> keys(TraceParent carrier) {
            return java.util.List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(TraceParent carrier, String key) {
            return carrier == null ? null : switch (key) {
                case TRACEPARENT -> carrier.traceparent;
                case TRACESTATE -> carrier.tracestate;
                default -> null;
            };
        }
    }
}

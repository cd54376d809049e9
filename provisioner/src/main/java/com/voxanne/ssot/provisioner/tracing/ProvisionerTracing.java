package com.voxanne.ssot.provisioner.tracing;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The provisioner's part of "one trace per request": the request's trace is taken from the record's
 * {@code traceparent} header (or started at the inbox when it has none), kept with the saga, and every run of the saga
 * (on any instance, after any crash) is a span of that trace, each step a child span. Span attributes carry the
 * request and org ids and the step's outcome; never a secret (error texts are redacted first).
 */
public final class ProvisionerTracing {
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("ssot.request_id");
    public static final AttributeKey<String> ORG_ID = AttributeKey.stringKey("ssot.org_id");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("ssot.outcome");
    public static final AttributeKey<String> STATE = AttributeKey.stringKey("ssot.saga.state");
    public static final AttributeKey<String> FAILURE_POINT = AttributeKey.stringKey("ssot.failure_point");
    public static final AttributeKey<String> PHONE_NUMBER = AttributeKey.stringKey("ssot.phone_number");

    /** Span names, as they show in a trace view. */
    public static final String VALIDATE = "ssot validate request";
    public static final String SAGA = "ssot saga";
    public static final String PUBLISH_RESULT = "ssot publish result";

    /** No spans (contexts that arrive are still carried through, as the no-op API propagates them). */
    public static final ProvisionerTracing NONE = new ProvisionerTracing(OpenTelemetry.noop().getTracer("none"), null);

    private final Tracer tracer;
    private final Redactor redactor;

    public ProvisionerTracing(Tracer tracer, Redactor redactor) {
        this.tracer = tracer;
        this.redactor = redactor;
    }

    /**
     * The request's validation at the inbox, a CONSUMER span: the child of the record's {@code traceparent} when it
     * has one, else the root of a new trace. Ended at once; its context is what the saga keeps (empty when tracing is
     * off and the record brought none).
     *
     * @param rejection the reason it is REJECTED, or null when it is accepted
     */
    public Optional<TraceParent> validated(ConsumerRecord<byte[], byte[]> source, String requestId, String orgId, String rejection) {
        Optional<TraceParent> incoming = TraceParent.fromHeaders(source.headers());
        SpanBuilder builder = tracer.spanBuilder(VALIDATE).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", source.topic())
                .setAttribute(REQUEST_ID, requestId)
                .setAttribute(ORG_ID, orgId)
                .setAttribute(OUTCOME, rejection == null ? "accepted" : "rejected");
        parentOrRoot(builder, incoming);
        Span span = builder.startSpan();
        if (rejection != null) {
            span.setStatus(StatusCode.ERROR, rejection);
        }
        span.end();
        return TraceParent.of(Context.root().with(span));
    }

    /** A run of the saga, in the request's stored trace (a new trace for a saga stored without one). Make it current. */
    public Span startRun(SagaRecord saga) {
        SpanBuilder builder = tracer.spanBuilder(SAGA)
                .setAttribute(REQUEST_ID, saga.requestId())
                .setAttribute(ORG_ID, saga.orgId())
                .setAttribute(STATE, saga.state().name());
        return parentOrRoot(builder, saga.trace()).startSpan();
    }

    /** One step of the current run (a child of the current span), named {@code ssot <step>}. */
    public Span startStep(String step, SagaRecord saga) {
        return tracer.spanBuilder("ssot " + step)
                .setAttribute(REQUEST_ID, saga.requestId())
                .setAttribute(ORG_ID, saga.orgId())
                .setAttribute(STATE, saga.state().name())
                .startSpan();
    }

    /** Publishing a finished saga's result: a PRODUCER child of the current span (the run), or of the stored trace. */
    public Span startPublish(SagaRecord saga) {
        SpanBuilder builder = tracer.spanBuilder(PUBLISH_RESULT).setSpanKind(SpanKind.PRODUCER)
                .setAttribute(REQUEST_ID, saga.requestId())
                .setAttribute(ORG_ID, saga.orgId())
                .setAttribute(STATE, saga.state().name());
        if (!Span.current().getSpanContext().isValid() && saga.trace().isPresent()) {
            builder.setParent(saga.trace().get().context()); // the periodic sweep: no run is current
        }
        return builder.startSpan();
    }

    private static SpanBuilder parentOrRoot(SpanBuilder builder, Optional<TraceParent> parent) {
        return parent.isPresent() ? builder.setParent(parent.get().context()) : builder.setNoParent();
    }

    /** Where a step left the saga: its state, and the failure point of a failed one. */
    public static void outcome(Span span, String outcome, SagaRecord after) {
        span.setAttribute(OUTCOME, outcome);
        if (after != null) {
            span.setAttribute(STATE, after.state().name());
            if (after.phoneNumber() != null) {
                span.setAttribute(PHONE_NUMBER, after.phoneNumber());
            }
            if (after.failurePoint() != null) {
                span.setAttribute(FAILURE_POINT, after.failurePoint().name());
                span.setStatus(StatusCode.ERROR, "failed at " + after.failurePoint());
            }
        }
    }

    /** A step that threw: recorded with its (redacted) message, never the raw one. */
    public void failed(Span span, Throwable e) {
        String message = redactor == null ? e.getClass().getSimpleName() : redactor.describe(e);
        span.setAttribute(OUTCOME, "error");
        span.setStatus(StatusCode.ERROR, message);
        span.addEvent("exception", io.opentelemetry.api.common.Attributes.of(
                AttributeKey.stringKey("exception.type"), e.getClass().getName(),
                AttributeKey.stringKey("exception.message"), message));
    }
}

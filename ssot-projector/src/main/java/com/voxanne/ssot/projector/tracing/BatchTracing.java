package com.voxanne.ssot.projector.tracing;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.projector.store.Candidate;
import com.voxanne.ssot.projector.store.Refusal;
import com.voxanne.ssot.projector.store.UpsertCounts;
import com.voxanne.ssot.projector.store.WriteResult;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The projector's part of "one trace per request". One SSOT transaction serves many requests' traces, so, as the
 * OpenTelemetry guidance for batch consumers says, the batch's {@code ssot write} span is a root with a link to each
 * record's context (for a batch of one traced record, simply its child). To keep every request's trace complete down
 * to its SSOT row, each record also gets a short {@code ssot upsert} span under its own {@code traceparent}, with the
 * row's outcome, ended with the transaction: OK only after COMMIT, the (redacted) error when it failed. A record
 * without a {@code traceparent} (a backfill's re-emit, or events from before tracing) gets its upsert span under the
 * batch span.
 */
public final class BatchTracing {
    public static final String WRITE = "ssot write";
    public static final String UPSERT = "ssot upsert";
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("ssot.outcome");
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("ssot.request_id");
    public static final AttributeKey<String> ORG_ID = AttributeKey.stringKey("ssot.org_id");
    public static final AttributeKey<String> PHONE_NUMBER = AttributeKey.stringKey("ssot.phone_number");

    /** No spans. */
    public static final BatchTracing NONE = new BatchTracing(OpenTelemetry.noop().getTracer("none"), null);

    private final Tracer tracer;
    private final Redactor redactor;

    public BatchTracing(Tracer tracer, Redactor redactor) {
        this.tracer = tracer;
        this.redactor = redactor;
    }

    /** Starts the spans of one batch's transaction; end them with {@link Batch#committed} or {@link Batch#failed}. */
    public Batch start(List<Candidate<ConsumerRecord<byte[], byte[]>>> candidates) {
        List<Optional<TraceParent>> parents = new ArrayList<>(candidates.size());
        for (Candidate<ConsumerRecord<byte[], byte[]>> c : candidates) {
            parents.add(TraceParent.fromHeaders(c.source().headers()));
        }
        SpanBuilder write = tracer.spanBuilder(WRITE).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.batch.message_count", (long) candidates.size());
        if (candidates.size() == 1 && parents.get(0).isPresent()) {
            write.setParent(parents.get(0).get().context());
        } else {
            write.setNoParent();
            parents.stream().flatMap(Optional::stream).forEach(p -> write.addLink(p.spanContext()));
        }
        Span batch = write.startSpan();
        Map<ConsumerRecord<byte[], byte[]>, Span> upserts = new IdentityHashMap<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidate<ConsumerRecord<byte[], byte[]>> c = candidates.get(i);
            Context parent = parents.get(i).map(TraceParent::context).orElse(Context.root().with(batch));
            Span upsert = tracer.spanBuilder(UPSERT).setParent(parent)
                    .setAttribute(REQUEST_ID, c.row().requestId())
                    .setAttribute(ORG_ID, c.row().orgId().toString())
                    .setAttribute(PHONE_NUMBER, c.row().phoneNumber())
                    .startSpan();
            if (parents.get(i).isPresent()) {
                upsert.addLink(batch.getSpanContext()); // from the request's trace to the batch that wrote it
            }
            upserts.put(c.source(), upsert);
        }
        return new Batch(batch, upserts);
    }

    /** The spans of one batch in flight. */
    public final class Batch {
        private final Span batch;
        private final Map<ConsumerRecord<byte[], byte[]>, Span> upserts;

        private Batch(Span batch, Map<ConsumerRecord<byte[], byte[]>, Span> upserts) {
            this.batch = batch;
            this.upserts = upserts;
        }

        /** The context to run the transaction in (the batch span current). */
        public Context context() {
            return Context.current().with(batch);
        }

        /**
         * The transaction ended as {@code result} says: committed (OK), or rolled back on purpose (a dry run, not OK and
         * not an error either). Refused records are errors of their own span only.
         */
        public void committed(WriteResult<ConsumerRecord<byte[], byte[]>> result, boolean commit) {
            Map<ConsumerRecord<byte[], byte[]>, String> refused = new IdentityHashMap<>();
            for (Refusal<ConsumerRecord<byte[], byte[]>> r : result.refused()) {
                refused.put(r.candidate().source(), r.reason());
            }
            upserts.forEach((record, span) -> {
                String reason = refused.get(record);
                if (reason != null) {
                    span.setAttribute(OUTCOME, "refused");
                    span.setStatus(StatusCode.ERROR, redact(reason));
                } else {
                    span.setAttribute(OUTCOME, commit ? "written" : "dry_run");
                    if (commit) {
                        span.setStatus(StatusCode.OK);
                    }
                }
                span.end();
            });
            UpsertCounts counts = result.counts();
            batch.setAttribute("ssot.rows.inserted", counts.inserted());
            batch.setAttribute("ssot.rows.updated", counts.updated());
            batch.setAttribute("ssot.rows.unchanged", counts.unchanged());
            batch.setAttribute("ssot.rows.refused", (long) refused.size());
            if (commit) {
                batch.setStatus(StatusCode.OK);
            }
            batch.end();
        }

        /** The transaction failed and was rolled back (the batch is retried): every span records why, redacted. */
        public void failed(Exception e) {
            String message = redact(e.getClass().getSimpleName() + ": " + e.getMessage());
            Attributes exception = Attributes.of(AttributeKey.stringKey("exception.type"), e.getClass().getName(),
                    AttributeKey.stringKey("exception.message"), message);
            upserts.values().forEach(span -> end(span, message, exception));
            end(batch, message, exception);
        }

        private void end(Span span, String message, Attributes exception) {
            span.setAttribute(OUTCOME, "error");
            span.addEvent("exception", exception);
            span.setStatus(StatusCode.ERROR, message);
            span.end();
        }
    }

    private String redact(String text) {
        return redactor == null ? text : redactor.redact(text);
    }
}

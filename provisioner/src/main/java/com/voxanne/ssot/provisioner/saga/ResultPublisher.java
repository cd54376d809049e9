package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaResults;
import com.voxanne.ssot.provisioner.tracing.ProvisionerTracing;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes each finished saga's ProvisioningResult (key orgId) from the saga state: the result_published flag is
 * set only after the broker has the record, so a crash re-publishes and nothing is lost; a duplicate request for a
 * finished saga re-arms the flag and gets its result again. Results carry a deterministic eventId.
 */
public final class ResultPublisher {
    public static final String EVENT_TYPE = "ProvisioningResult";

    private final SagaResults store;
    private final Producer<byte[], byte[]> producer;
    private final Topic<String, ProvisioningResult> topic;
    private final Duration sendTimeout;
    private final Redactor redactor;
    private final ProvisionerTracing tracing;

    public ResultPublisher(SagaResults store, Producer<byte[], byte[]> producer, Topic<String, ProvisioningResult> topic,
                           Duration sendTimeout, Redactor redactor, ProvisionerTracing tracing) {
        this.store = store;
        this.producer = producer;
        this.topic = topic;
        this.sendTimeout = sendTimeout;
        this.redactor = redactor;
        this.tracing = tracing;
    }

    /** Publishes this saga's result unless it is published already or being published elsewhere. */
    public boolean publish(String requestId) {
        return store.publishResult(requestId, this::send);
    }

    /** Publishes up to {@code limit} pending results, oldest first; returns how many this call sent. */
    public int sweep(int limit) {
        int sent = 0;
        List<String> pending = store.unpublishedResults(limit);
        for (String requestId : pending) {
            if (publish(requestId)) {
                sent++;
            }
        }
        return sent;
    }

    /** Sends the result in a span of the request's trace; the record's {@code traceparent} header names that span. */
    private void send(SagaRecord finished) throws Exception {
        Span span = tracing.startPublish(finished);
        try (Scope ignored = span.makeCurrent()) {
            sendTraced(finished);
        } catch (Exception | Error e) {
            tracing.failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    private void sendTraced(SagaRecord finished) throws Exception {
        ProvisioningResult result = toResult(finished, redactor);
        byte[] key = finished.orgId().getBytes(StandardCharsets.UTF_8);
        byte[] value = topic.valueSerde().serializer().serialize(topic.name(), result);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic.name(), key, value);
        record.headers().add("eventId", result.getEventId().getBytes(StandardCharsets.UTF_8));
        record.headers().add("eventType", EVENT_TYPE.getBytes(StandardCharsets.UTF_8));
        TraceParent.current().or(finished::trace).ifPresent(t -> t.writeTo(record.headers()));
        producer.send(record).get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The result a finished saga reports. Number fields only for what was actually bought or imported. */
    public static ProvisioningResult toResult(SagaRecord s, Redactor redactor) {
        ProvisioningStatus status = switch (s.state()) {
            case COMPLETED -> ProvisioningStatus.SUCCEEDED;
            case FAILED -> ProvisioningStatus.FAILED;
            case REJECTED -> ProvisioningStatus.REJECTED;
            default -> throw new IllegalArgumentException("saga " + s.requestId() + " is not finished: " + s.state());
        };
        boolean bought = s.twilioSid() != null || s.isRelease(); // a release names the number it is about
        return ProvisioningResult.newBuilder()
                .setEventId(EventIds.forRequest(s.requestId(), EVENT_TYPE))
                .setRequestId(s.requestId())
                .setOrgId(s.orgId())
                .setStatus(status)
                .setPhoneNumber(bought ? s.phoneNumber() : null)
                .setTwilioSid(s.twilioSid())
                .setVapiPhoneId(s.hasVapiPhoneId() ? s.vapiPhoneId() : null)
                .setFailurePoint(status == ProvisioningStatus.SUCCEEDED ? null : s.failurePoint())
                .setError(status == ProvisioningStatus.SUCCEEDED ? null : redactor.redact(describe(s)))
                .setCompletedAt(s.completedAt() == null ? s.updatedAt() : s.completedAt())
                .build();
    }

    private static String describe(SagaRecord s) {
        String error = s.error() == null ? "failed" : s.error();
        return s.compensation() == null ? error : error + " [compensation: " + s.compensation() + "]";
    }
}

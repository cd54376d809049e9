package com.voxanne.ssot.projector.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.projector.store.Candidate;
import com.voxanne.ssot.projector.store.ProjectedRow;
import com.voxanne.ssot.projector.store.Refusal;
import com.voxanne.ssot.projector.store.UpsertCounts;
import com.voxanne.ssot.projector.store.WriteResult;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SSOT write's spans: a batch span linked to every request's trace, and an upsert span in each of them. */
class BatchTracingTest {
    private static final String TRACE_A = "0af7651916cd43dd8448eb211c80319c";
    private static final String TRACE_B = "4bf92f3577b34da6a3ce929d0e0e4736";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    private final BatchTracing tracing = new BatchTracing(provider.get("test"),
            Redactor.of(List.of(Secret.of("db-SECRET-pw"))));

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void shouldLinkTheBatchToEveryTraceAndPutEachUpsertInItsOwnRequestsTraceOnlyOkAfterCommit() {
        // given a batch of two traced records and one without a traceparent
        Candidate<ConsumerRecord<byte[], byte[]>> a = candidate("req-a", "00-" + TRACE_A + "-b7ad6b7169203331-01");
        Candidate<ConsumerRecord<byte[], byte[]>> b = candidate("req-b", "00-" + TRACE_B + "-00f067aa0ba902b7-01");
        Candidate<ConsumerRecord<byte[], byte[]>> legacy = candidate("req-c", null);

        // when the batch commits, the database having refused b
        BatchTracing.Batch batch = tracing.start(List.of(a, b, legacy));
        assertThat(exporter.getFinishedSpanItems()).as("nothing ends before the transaction does").isEmpty();
        batch.committed(new WriteResult<>(new UpsertCounts(2, 0, 0), List.of(new Refusal<>(b, "value too long", "SQLException"))), true);

        // then the batch span is a root linking both traces, OK
        SpanData write = only(BatchTracing.WRITE, null);
        assertThat(write.getParentSpanContext().isValid()).isFalse();
        assertThat(write.getLinks()).extracting(LinkData::getSpanContext).extracting(c -> c.getTraceId())
                .containsExactlyInAnyOrder(TRACE_A, TRACE_B);
        assertThat(write.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
        // and each upsert continues its own record's trace (the untraced one sits under the batch)
        SpanData upsertA = only(BatchTracing.UPSERT, "req-a");
        assertThat(upsertA.getTraceId()).isEqualTo(TRACE_A);
        assertThat(upsertA.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(upsertA.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
        assertThat(upsertA.getAttributes().get(BatchTracing.OUTCOME)).isEqualTo("written");
        SpanData upsertB = only(BatchTracing.UPSERT, "req-b");
        assertThat(upsertB.getTraceId()).isEqualTo(TRACE_B);
        assertThat(upsertB.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(upsertB.getAttributes().get(BatchTracing.OUTCOME)).isEqualTo("refused");
        SpanData upsertC = only(BatchTracing.UPSERT, "req-c");
        assertThat(upsertC.getParentSpanId()).isEqualTo(write.getSpanId());
    }

    @Test
    void shouldMakeTheBatchOfOneTracedRecordAChildOfItsSpanAndRecordAFailureRedacted() {
        // given a batch of one traced record
        Candidate<ConsumerRecord<byte[], byte[]>> a = candidate("req-a", "00-" + TRACE_A + "-b7ad6b7169203331-01");

        // when its transaction fails with a message that quotes a secret
        tracing.start(List.of(a)).failed(new SQLException("connection refused for password db-SECRET-pw"));

        // then the write span is the record span's child, and every span says why, with the secret masked
        SpanData write = only(BatchTracing.WRITE, null);
        assertThat(write.getTraceId()).isEqualTo(TRACE_A);
        assertThat(write.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        for (SpanData span : exporter.getFinishedSpanItems()) {
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(span.getStatus().getDescription()).contains("connection refused").doesNotContain("db-SECRET-pw");
            assertThat(span.getEvents()).singleElement().satisfies(e -> assertThat(
                    e.getAttributes().get(AttributeKey.stringKey("exception.message"))).doesNotContain("db-SECRET-pw"));
        }
    }

    private SpanData only(String name, String requestId) {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name))
                .filter(s -> requestId == null || requestId.equals(s.getAttributes().get(BatchTracing.REQUEST_ID)))
                .reduce((x, y) -> {
                    throw new AssertionError("two spans " + name + " " + requestId);
                }).orElseThrow(() -> new AssertionError("no span " + name + " " + requestId));
    }

    private static Candidate<ConsumerRecord<byte[], byte[]>> candidate(String requestId, String traceparent) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("numbers", 0, 0L, new byte[0], new byte[0]);
        if (traceparent != null) {
            record.headers().add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        ProjectedRow row = new ProjectedRow(UUID.randomUUID(), "+14155550100", "vapi-1", "PN" + "a".repeat(32), UUID.randomUUID(), 1L,
                requestId);
        return new Candidate<>(row, record);
    }
}

package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.pipeline.Pipeline;
import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace per request, end to end on the real pipeline (embedded Kafka, PostgreSQL, registry, Debezium relay): the
 * spans reach the SDK's in-memory exporter, and the trace context travels through the request's Kafka headers, the
 * saga row, the outbox row, the NumberProvisioned record's headers and the projector's SSOT write.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OneTracePerRequestTest {
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("ssot.request_id");
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path dataDir;

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private OpenTelemetrySdk sdk;
    private TestPipeline stack;

    @BeforeAll
    void startTracedPipeline() throws Exception {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .build();
        stack = TestPipeline.start("trace", dataDir, Map.of(), Pipeline.Options.all().withOpenTelemetry(sdk));
        DemoSeed.apply(stack.db.dataSource());
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (stack != null) {
                stack.close();
            }
        } finally {
            if (sdk != null) {
                sdk.close();
            }
        }
    }

    @Test
    void shouldCarryOneTracePerRequestFromTheRequestRecordToItsSsotRow() throws Exception {
        // given an upstream that traces (its span is the request record's traceparent) and one that does not
        String upstreamTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String upstreamSpanId = "00f067aa0ba902b7";
        String traced = "traced-" + UUID.randomUUID();
        String untraced = "untraced-" + UUID.randomUUID();
        String org = DemoSeed.VOXANNE_ID.toString();

        // when both publish a request
        publish(traced, org, "00-" + upstreamTraceId + "-" + upstreamSpanId + "-01");
        publish(untraced, org, null);

        // then both numbers reach the SSOT
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> ssotRowExists(traced) && ssotRowExists(untraced));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(named("ssot upsert", traced)).isPresent();
            assertThat(named("ssot upsert", untraced)).isPresent();
        });
        Map<String, ConsumerRecord<byte[], byte[]>> events = recordsByRequest(stack.pipeline.context().config().topics().numbersProvisioned()
                .name(), Set.of(traced, untraced), true);
        Map<String, ConsumerRecord<byte[], byte[]>> results = recordsByRequest(stack.pipeline.context().config().topics()
                .provisioningResults().name(), Set.of(traced, untraced), false);

        // and the traced request's spans all continue the upstream's trace, parented step by step
        String tracedTrace = assertOneTraceEndToEnd(traced, events.get(traced), results.get(traced));
        SpanData validate = named("ssot validate request", traced).orElseThrow();
        assertThat(tracedTrace).isEqualTo(upstreamTraceId);
        assertThat(validate.getParentSpanId()).as("a child of the upstream's span").isEqualTo(upstreamSpanId);

        // and the request without a header got a trace of its own, started at the inbox, end to end all the same
        String untracedTrace = assertOneTraceEndToEnd(untraced, events.get(untraced), results.get(untraced));
        assertThat(named("ssot validate request", untraced).orElseThrow().getParentSpanContext().isValid())
                .as("a root span").isFalse();
        assertThat(untracedTrace).isNotEqualTo(tracedTrace);
    }

    /** Asserts the request's spans and records form one trace, and returns its trace id. */
    private String assertOneTraceEndToEnd(String requestId, ConsumerRecord<byte[], byte[]> event,
                                          ConsumerRecord<byte[], byte[]> result) {
        List<SpanData> mine = spansOf(requestId);
        Set<String> traceIds = mine.stream().map(SpanData::getTraceId).collect(Collectors.toSet());
        assertThat(traceIds).as("trace ids of the spans of %s: %s", requestId, names(mine)).hasSize(1);
        String traceId = traceIds.iterator().next();
        Map<String, SpanData> byId = mine.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));

        SpanData validate = named("ssot validate request", requestId).orElseThrow();
        List<SpanData> runs = mine.stream().filter(s -> s.getName().equals("ssot saga")).toList();
        assertThat(runs).isNotEmpty().allSatisfy(run -> assertThat(run.getParentSpanId()).isEqualTo(validate.getSpanId()));
        for (String step : List.of("ssot number search", "ssot purchase", "ssot import", "ssot final write")) {
            SpanData s = named(step, requestId).orElseThrow(() -> new AssertionError("no span " + step + " in " + names(mine)));
            assertThat(byId.get(s.getParentSpanId())).as("%s's parent", step).extracting(SpanData::getName).isEqualTo("ssot saga");
        }
        SpanData finalWrite = named("ssot final write", requestId).orElseThrow();
        assertThat(finalWrite.getAttributes().get(AttributeKey.stringKey("ssot.saga.state"))).isEqualTo("COMPLETED");

        // the NumberProvisioned record (through the outbox row and the relay) names the final write's span
        TraceParent eventTrace = TraceParent.fromHeaders(event.headers()).orElseThrow(() -> new AssertionError("no traceparent on "
                + "the NumberProvisioned of " + requestId));
        assertThat(eventTrace.traceId()).isEqualTo(traceId);
        assertThat(eventTrace.spanContext().getSpanId()).isEqualTo(finalWrite.getSpanId());
        // the ProvisioningResult names the publish span of the same trace
        TraceParent resultTrace = TraceParent.fromHeaders(result.headers()).orElseThrow();
        assertThat(resultTrace.traceId()).isEqualTo(traceId);
        assertThat(byId.get(resultTrace.spanContext().getSpanId())).extracting(SpanData::getName).isEqualTo("ssot publish result");

        // the projector's write of that row: an upsert span under the event's context, OK after commit ...
        SpanData upsert = named("ssot upsert", requestId).orElseThrow();
        assertThat(upsert.getParentSpanId()).isEqualTo(finalWrite.getSpanId());
        assertThat(upsert.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
        assertThat(upsert.getAttributes().get(AttributeKey.stringKey("ssot.outcome"))).isEqualTo("written");
        // ... and the batch's write span is its child (a batch of one) or links to it (a batch serving several traces)
        SpanData write = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("ssot write"))
                .filter(s -> s.getParentSpanId().equals(finalWrite.getSpanId()) || linksTo(s, finalWrite.getSpanContext()))
                .findFirst().orElseThrow(() -> new AssertionError("no ssot write span for " + requestId));
        assertThat(write.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
        return traceId;
    }

    private static boolean linksTo(SpanData span, SpanContext target) {
        return span.getLinks().stream().map(LinkData::getSpanContext)
                .anyMatch(c -> c.getTraceId().equals(target.getTraceId()) && c.getSpanId().equals(target.getSpanId()));
    }

    private List<SpanData> spansOf(String requestId) {
        return spans.getFinishedSpanItems().stream().filter(s -> requestId.equals(s.getAttributes().get(REQUEST_ID))).toList();
    }

    private Optional<SpanData> named(String name, String requestId) {
        return spansOf(requestId).stream().filter(s -> s.getName().equals(name)).findFirst();
    }

    private static List<String> names(List<SpanData> list) {
        return list.stream().map(s -> s.getName() + "@" + s.getTraceId()).toList();
    }

    private void publish(String requestId, String org, String traceparent) throws Exception {
        Topics topics = stack.pipeline.context().config().topics();
        ProvisionNumberRequest request = ProvisionCommand.request(requestId, org, "US", "415", null);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topics.provisioningRequests().name(),
                org.getBytes(StandardCharsets.UTF_8),
                topics.provisioningRequests().valueSerde().serializer().serialize(topics.provisioningRequests().name(), request));
        if (traceparent != null) {
            record.headers().add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(stack.pipeline.context().kafka().producer("trace-test"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(record).get();
        }
    }

    private boolean ssotRowExists(String requestId) throws Exception {
        try (Connection c = stack.db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM managed_phone_numbers m JOIN org_credentials oc ON oc.org_id = m.org_id"
                        + " AND oc.phone_number = m.phone_number WHERE m.request_id = ?")) {
            ps.setString(1, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean found = rs.getLong(1) == 1;
                c.rollback();
                return found;
            }
        }
    }

    /** The records of these requests on a topic, read from the beginning (by the NumberProvisioned or result value). */
    private Map<String, ConsumerRecord<byte[], byte[]>> recordsByRequest(String topic, Set<String> requestIds, boolean events) {
        Topics topics = stack.pipeline.context().config().topics();
        Map<String, ConsumerRecord<byte[], byte[]>> found = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(stack.pipeline.context().kafka()
                .consumer("trace-test-" + UUID.randomUUID(), "trace-test"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String requestId = events
                            ? topics.numbersProvisioned().valueSerde().deserializer().deserialize(topic, r.value()).getRequestId()
                            : topics.provisioningResults().valueSerde().deserializer().deserialize(topic, r.value()).getRequestId();
                    if (requestIds.contains(requestId)) {
                        found.put(requestId, r);
                    }
                }
                return found.keySet().containsAll(requestIds);
            });
        }
        return found;
    }
}

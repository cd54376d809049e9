package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.provisioner.ProvisionerService;
import com.voxanne.ssot.provisioner.saga.SagaCheckpoint;
import com.voxanne.ssot.provisioner.saga.SagaStepListener;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A saga resumed after its instance died continues the request's trace: the trace context is stored with the saga,
 * not held in the memory of the instance that started it.
 */
class TraceResumeTest {
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

    @Test
    void shouldContinueTheRequestsTraceWhenAnotherInstanceResumesTheSagaAfterACrash() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
             ProvisionerHarness h = new ProvisionerHarness("trace_resume", Map.of("PROVISIONER_LEASE", "3s"))) {
            // given: a traced request, and an instance that dies once the purchase is answered
            String org = h.createOrg("Traced Clinic");
            AtomicBoolean armed = new AtomicBoolean(true);
            SagaStepListener killer = (checkpoint, saga) -> {
                if (checkpoint == SagaCheckpoint.PURCHASE_RESPONDED && armed.getAndSet(false)) {
                    throw new CrashRecoveryTest.SimulatedKill(checkpoint);
                }
            };
            ProvisionerService first = h.start(traced(h.context(), sdk), killer);
            String requestId = "req-" + UUID.randomUUID();
            h.publish(ProvisionerHarness.request(requestId, org, "646"),
                    Map.of("traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01"));
            await("the first instance dies").atMost(Duration.ofSeconds(30))
                    .until(() -> first.health().status() == ComponentHealth.Status.DOWN);
            first.close();

            // when: a new instance resumes the saga from the database
            h.start(traced(h.context(), sdk), SagaStepListener.NONE);
            assertThat(h.awaitResult(requestId).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);

            // then: the stored context, the killed run and the resumed run are all the request's trace
            assertThat(h.sagaTraceparent(requestId)).contains(TRACE_ID);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(named(spans, "ssot final write", requestId)).hasSize(1));
            List<SpanData> runs = named(spans, "ssot saga", requestId);
            assertThat(runs).as("the killed run and the resumed one").hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(run -> assertThat(run.getTraceId()).isEqualTo(TRACE_ID));
            assertThat(named(spans, "ssot final write", requestId).get(0).getTraceId()).isEqualTo(TRACE_ID);
            assertThat(named(spans, "ssot purchase", requestId)).isNotEmpty()
                    .allSatisfy(step -> assertThat(step.getTraceId()).isEqualTo(TRACE_ID));
        }
    }

    private static ServiceContext traced(ServiceContext c, OpenTelemetrySdk sdk) {
        return new ServiceContext(c.config(), c.source(), c.kafka(), c.database(), c.metrics(), c.health(), c.redactor(), sdk);
    }

    private static List<SpanData> named(InMemorySpanExporter spans, String name, String requestId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name))
                .filter(s -> requestId.equals(s.getAttributes().get(AttributeKey.stringKey("ssot.request_id")))).toList();
    }
}

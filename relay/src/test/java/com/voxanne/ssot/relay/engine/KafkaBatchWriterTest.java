package com.voxanne.ssot.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.relay.config.RelaySettings.RoutedTopics;
import com.voxanne.ssot.relay.metrics.InFlight;
import com.voxanne.ssot.relay.metrics.RelayMetrics;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class KafkaBatchWriterTest {
    private static final RoutedTopics TOPICS = new RoutedTopics("numbers", "cdc.mpn", "cdc.oc");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InFlight inFlight = new InFlight(Clock.systemUTC());
    private final RelayMetrics metrics = new RelayMetrics(registry, "slot_t", () -> 0L, inFlight);
    private final RecordingCommitter committer = new RecordingCommitter();

    private static RecordChangeEvent<SourceRecord> outboxEvent(String orgId, String eventId) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("eventId", eventId);
        headers.addString("eventType", "NumberProvisioned");
        long tsMicros = (System.currentTimeMillis() - 60_000) * 1000;
        SourceRecord record = new SourceRecord(Map.of(), Map.of("ts_usec", tsMicros), "numbers", null, Schema.STRING_SCHEMA,
                orgId, Schema.BYTES_SCHEMA, new byte[] {1, 2, 3}, null, headers);
        return () -> record;
    }

    private KafkaBatchWriter writer(MockProducer<byte[], byte[]> producer) {
        return new KafkaBatchWriter(producer, new RecordMapper(TOPICS, "px"), metrics, inFlight, Duration.ofSeconds(5),
                Redactor.none());
    }

    @Test
    void shouldMarkBatchProcessedOnlyAfterKafkaAcknowledgedEveryRecord() throws Exception {
        // given a producer that acknowledges only when told to
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        List<RecordChangeEvent<SourceRecord>> batch = List.of(outboxEvent("org-1", "e-1"), outboxEvent("org-1", "e-2"));

        // when the batch is handed over
        CompletableFuture<Void> handled = handleInBackground(producer, batch);
        await().until(() -> producer.history().size() == 2);

        // then nothing is acknowledged to the engine while Kafka has not answered, and the age is visible
        assertThat(committer.processed).isEmpty();
        assertThat(inFlight.oldestUnrelayedAgeMillis()).isGreaterThanOrEqualTo(60_000);
        producer.completeNext();
        assertThat(committer.processed).isEmpty();
        producer.completeNext();
        handled.get();
        assertThat(committer.processed).containsExactlyElementsOf(batch);
        assertThat(committer.batchesFinished).isEqualTo(1);
        assertThat(inFlight.oldestUnrelayedAgeMillis()).isZero();
        assertThat(registry.get(RelayMetrics.RECORDS).tag("table", "outbox").counter().count()).isEqualTo(2.0);
    }

    @Test
    void shouldAcknowledgeNothingAndFailWhenKafkaRefusesARecord() {
        // given a producer whose second send fails
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        List<RecordChangeEvent<SourceRecord>> batch = List.of(outboxEvent("org-1", "e-1"), outboxEvent("org-2", "e-2"));
        CompletableFuture<Void> handled = handleInBackground(producer, batch);
        await().until(() -> producer.history().size() == 2);

        // when Kafka acknowledges the first and refuses the second
        producer.completeNext();
        producer.errorNext(new TimeoutException("broker gone"));

        // then the engine is told nothing was processed, with the record's context in the error
        assertThatThrownBy(handled::join).cause().isInstanceOf(RelayWriteException.class)
                .hasMessageContaining("orgId=org-2").hasMessageContaining("eventId=e-2");
        assertThat(committer.processed).isEmpty();
        assertThat(committer.batchesFinished).isZero();
        assertThat(registry.get("ssot.failures").tag("failure_point", RelayMetrics.FAILURE_KAFKA_WRITE).counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldAcknowledgeHeartbeatWithoutPublishingWhenBatchHasOnlyHeartbeats() throws InterruptedException {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        SourceRecord heartbeat = new SourceRecord(Map.of(), Map.of("lsn", 1L), "__debezium-heartbeat.px", null, null, null, null, null);
        RecordChangeEvent<SourceRecord> event = () -> heartbeat;

        writer(producer).handleBatch(List.of(event), committer);

        assertThat(producer.history()).isEmpty();
        assertThat(committer.processed).containsExactly(event);
        assertThat(committer.batchesFinished).isEqualTo(1);
    }

    @Test
    void shouldParkAChangeItCannotRouteInOrderAndAcknowledgeTheBatchOnlyOnceKafkaHasTheDeadLetter() throws Exception {
        // given a batch with a row change whose key lacks org_id between two good outbox events
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        org.apache.kafka.connect.data.Schema keySchema = org.apache.kafka.connect.data.SchemaBuilder.struct()
                .field("phone_number", Schema.STRING_SCHEMA).build();
        SourceRecord stray = new SourceRecord(Map.of(), Map.of("lsn", 4242L), "cdc.mpn", null, keySchema,
                new org.apache.kafka.connect.data.Struct(keySchema).put("phone_number", "+14155550100"), null, null);
        List<RecordChangeEvent<SourceRecord>> batch = List.of(outboxEvent("org-1", "e-1"), () -> stray,
                outboxEvent("org-1", "e-2"));
        CompletableFuture<Void> handled = handleInBackground(producer, batch);
        await().until(() -> producer.history().size() == 3);

        // then the stray change goes, in its place, to its dead-letter topic with the reason and the WAL position
        var parked = producer.history().get(1);
        assertThat(parked.topic()).isEqualTo("cdc.mpn.dlq");
        assertThat(new String(parked.key(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"phone_number\":\"+14155550100\"}");
        assertThat(header(parked, "dlq.stage")).isEqualTo("relay-route");
        assertThat(header(parked, "dlq.error.message")).contains("org_id");
        assertThat(header(parked, "dlq.source.topic")).isEqualTo("cdc.mpn");
        assertThat(header(parked, "dlq.source.position")).contains("4242");
        // and nothing is acknowledged until Kafka has all three, the dead letter included
        producer.completeNext();
        producer.completeNext();
        assertThat(committer.processed).isEmpty();
        producer.completeNext();
        handled.get();
        assertThat(committer.processed).containsExactlyElementsOf(batch);
        assertThat(registry.get("ssot.failures").tag("failure_point", RelayMetrics.FAILURE_UNROUTABLE).counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get(RelayMetrics.RECORDS).tag("table", "outbox").counter().count()).isEqualTo(2.0);
    }

    @Test
    void shouldAcknowledgeNothingWhenTheDeadLetterTopicRefusesTheChange() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        SourceRecord stray = new SourceRecord(Map.of(), Map.of("lsn", 7L), "px.public.unknown", null, Schema.STRING_SCHEMA,
                "k", Schema.STRING_SCHEMA, "v");
        CompletableFuture<Void> handled = handleInBackground(producer, List.of(() -> stray));
        await().until(() -> producer.history().size() == 1);
        assertThat(producer.history().get(0).topic()).isEqualTo("px.public.unknown.dlq");

        producer.errorNext(new org.apache.kafka.common.errors.UnknownTopicOrPartitionException("no such topic"));

        assertThatThrownBy(handled::join).cause().isInstanceOf(RelayWriteException.class)
                .hasMessageContaining("px.public.unknown.dlq");
        assertThat(committer.processed).isEmpty();
        assertThat(committer.batchesFinished).isZero();
    }

    /** Hands {@code batch} to a writer on another thread, so the test can act as Kafka meanwhile. */
    private CompletableFuture<Void> handleInBackground(MockProducer<byte[], byte[]> producer,
                                                       List<RecordChangeEvent<SourceRecord>> batch) {
        return CompletableFuture.runAsync(() -> {
            try {
                writer(producer).handleBatch(batch, committer);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String header(org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static final class RecordingCommitter implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> processed = new CopyOnWriteArrayList<>();
        volatile int batchesFinished;

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            processed.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchesFinished++;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets sourceOffsets) {
            processed.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException("not used by the relay");
        }
    }
}

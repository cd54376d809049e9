package com.voxanne.ssot.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaDeliveryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final TestStack stack = TestStack.get();

    @Test
    void shouldStoreEveryRecordOfAnIdempotentProducerOnceAndInOrder() throws Exception {
        // given a topic and an idempotent producer with acks=all
        String topic = stack.uniqueTopic("delivery.idempotent");
        stack.createTopic(topic, 1, Map.of());
        Properties props = stringProducer(stack.producerProps());
        assertThat(props).containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true).containsEntry(ProducerConfig.ACKS_CONFIG, "all");

        // when it sends 20 records
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < 20; i++) {
                RecordMetadata sent = producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
                assertThat(sent.offset()).isEqualTo(i);
            }
        }

        // then a consumer reads each of them exactly once, in order
        assertThat(values(stack.consumeAll(topic, 20, TIMEOUT)))
                .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> "v" + i).toList());
    }

    @Test
    void shouldShowReadCommittedConsumersExactlyTheCommittedTransactions() {
        // given a topic and a transactional producer
        String topic = stack.uniqueTopic("delivery.transactional");
        stack.createTopic(topic, 2, Map.of());
        Properties props = stringProducer(stack.producerProps());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, stack.uniqueTopic("tx"));

        // when it commits one transaction, aborts another and commits a third
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            List.of("committed-1", "committed-2", "committed-3").forEach(v -> producer.send(new ProducerRecord<>(topic, v, v)));
            producer.commitTransaction();
            producer.beginTransaction();
            List.of("aborted-1", "aborted-2").forEach(v -> producer.send(new ProducerRecord<>(topic, v, v)));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "committed-4", "committed-4"));
            producer.commitTransaction();
        }

        // then a read_committed consumer sees exactly the committed records
        assertThat(values(stack.consumeAll(topic, 4, TIMEOUT)))
                .containsExactlyInAnyOrder("committed-1", "committed-2", "committed-3", "committed-4");
        // and the aborted ones were written to the log (a read_uncommitted consumer sees them), so they were filtered, not lost
        Properties readUncommitted = new Properties();
        readUncommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_UNCOMMITTED.toString());
        assertThat(values(stack.consumeAll(topic, 6, TIMEOUT, readUncommitted)))
                .containsExactlyInAnyOrder("committed-1", "committed-2", "committed-3", "aborted-1", "aborted-2", "committed-4");
    }

    static Properties stringProducer(Properties base) {
        base.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        base.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return base;
    }

    static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }
}

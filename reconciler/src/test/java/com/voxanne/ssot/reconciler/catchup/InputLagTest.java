package com.voxanne.ssot.reconciler.catchup;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.testkit.TestStack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The lag measurement against the real broker: end offsets vs the group's committed offsets. */
class InputLagTest {
    private final TestStack stack = TestStack.get();

    @Test
    void shouldMeasureLagOfGroupOnInputTopicsUntilCommitted() throws Exception {
        // given two input topics with 7 and 5 records, and a group that committed nothing
        String a = stack.uniqueTopic("lag-a");
        String b = stack.uniqueTopic("lag-b");
        stack.createTopic(a, 2, Map.of());
        stack.createTopic(b, 2, Map.of());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(stack.producerProps(), new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 7; i++) {
                producer.send(new ProducerRecord<>(a, "k" + i, "v"));
            }
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(b, "k" + i, "v"));
            }
            producer.flush();
        }
        String group = stack.uniqueTopic("lag-group");
        InputLag lag = new InputLag(stack.admin(), group, List.of(a, b), Duration.ofSeconds(10));

        // then the whole backlog is lag
        assertThat(lag.measure()).isEqualTo(12);

        // when the group commits its end offsets on topic a
        Properties props = stack.consumerProps(group);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition(a, 0), new TopicPartition(a, 1));
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            consumer.assign(tps);
            Map<TopicPartition, OffsetAndMetadata> commit = new java.util.HashMap<>();
            end.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset)));
            consumer.commitSync(commit);
        }

        // then only topic b is still behind
        assertThat(lag.measure()).isEqualTo(5);
    }
}

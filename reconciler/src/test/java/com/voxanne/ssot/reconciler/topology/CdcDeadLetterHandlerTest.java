package com.voxanne.ssot.reconciler.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.reconciler.model.MalformedCdcRecordException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class CdcDeadLetterHandlerTest {

    @Test
    void shouldParkOriginalBytesWithRedactedReasonAndResume() {
        // given a handler that knows one secret, and a record whose error message leaks it
        List<String> parkedTopics = new ArrayList<>();
        CdcDeadLetterHandler handler = new CdcDeadLetterHandler();
        handler.configure(Map.of(CdcDeadLetterHandler.REDACTOR_CONFIG, Redactor.of(List.of(Secret.of("s3cr3t-token"))),
                CdcDeadLetterHandler.ON_PARKED_CONFIG, (Consumer<String>) parkedTopics::add));
        byte[] key = "org|+14155550100".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{broken".getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("cdc.org_credentials", 2, 41L, key, value);

        // when it is handled
        DeserializationExceptionHandler.Response response = handler.handleError(context(), record,
                new MalformedCdcRecordException("org_credentials CDC value is not JSON near s3cr3t-token"));

        // then the stream resumes and one dead letter goes to <topic>.dlq with the bytes untouched
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).hasSize(1);
        ProducerRecord<byte[], byte[]> parked = response.deadLetterQueueRecords().get(0);
        assertThat(parked.topic()).isEqualTo("cdc.org_credentials.dlq");
        assertThat(parked.key()).isEqualTo(key);
        assertThat(parked.value()).isEqualTo(value);
        Headers h = parked.headers();
        assertThat(header(h, DeadLetters.H_ERROR_CLASS)).isEqualTo(MalformedCdcRecordException.class.getName());
        assertThat(header(h, DeadLetters.H_ERROR_MESSAGE)).contains("not JSON").doesNotContain("s3cr3t-token");
        assertThat(header(h, DeadLetters.H_STAGE)).isEqualTo(CdcDeadLetterHandler.STAGE);
        assertThat(header(h, DeadLetters.H_SOURCE_TOPIC)).isEqualTo("cdc.org_credentials");
        assertThat(header(h, DeadLetters.H_SOURCE_PARTITION)).isEqualTo("2");
        assertThat(header(h, DeadLetters.H_SOURCE_OFFSET)).isEqualTo("41");
        assertThat(parkedTopics).containsExactly("cdc.org_credentials");
    }

    private static String header(Headers h, String name) {
        return new String(h.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            @Override public String topic() { return "cdc.org_credentials"; }
            @Override public int partition() { return 2; }
            @Override public long offset() { return 41; }
            @Override public Headers headers() { return new org.apache.kafka.common.header.internals.RecordHeaders(); }
            @Override public String processorNodeId() { return "org-credentials-cdc"; }
            @Override public TaskId taskId() { return new TaskId(0, 2); }
            @Override public long timestamp() { return 0; }
            @Override public byte[] sourceRawKey() { return null; }
            @Override public byte[] sourceRawValue() { return null; }
        };
    }
}

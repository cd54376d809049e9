package com.voxanne.ssot.relay.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.relay.config.RelaySettings.RoutedTopics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class RecordMapperTest {
    private static final RoutedTopics TOPICS = new RoutedTopics("numbers", "cdc.mpn", "cdc.oc");
    private static final Schema KEY = SchemaBuilder.struct().field("org_id", Schema.STRING_SCHEMA)
            .field("phone_number", Schema.STRING_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().field("org_id", Schema.STRING_SCHEMA)
            .field("phone_number", Schema.STRING_SCHEMA).field("request_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("is_managed", Schema.BOOLEAN_SCHEMA).field("version", Schema.INT64_SCHEMA)
            .field("__deleted", Schema.STRING_SCHEMA).field("__op", Schema.STRING_SCHEMA).build();
    private static final Map<String, ?> OFFSET = Map.of("lsn", 42L, "ts_usec", 1_700_000_000_000_000L);

    private final RecordMapper mapper = new RecordMapper(TOPICS, "px");

    @Test
    void shouldPassOutboxPayloadBytesThroughUntouchedWhenEventIsRouted() {
        byte[] payload = {(byte) 0xC3, 0x01, 1, 2, 3, 0, (byte) 0xFF};
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("eventId", "e-1");
        headers.addString("eventType", "NumberProvisioned");
        SourceRecord source = new SourceRecord(Map.of(), OFFSET, "numbers", null, Schema.STRING_SCHEMA, "org-1",
                Schema.BYTES_SCHEMA, payload, null, headers);

        RelayRecord mapped = mapper.map(source).orElseThrow();

        ProducerRecord<byte[], byte[]> out = mapped.record();
        assertThat(out.topic()).isEqualTo("numbers");
        assertThat(new String(out.key(), StandardCharsets.UTF_8)).isEqualTo("org-1");
        assertThat(out.value()).isEqualTo(payload);
        assertThat(new String(out.headers().lastHeader("eventId").value(), StandardCharsets.UTF_8)).isEqualTo("e-1");
        assertThat(new String(out.headers().lastHeader("eventType").value(), StandardCharsets.UTF_8))
                .isEqualTo("NumberProvisioned");
        assertThat(mapped.table()).isEqualTo("outbox");
        assertThat(mapped.sourceTsMicros()).isEqualTo(1_700_000_000_000_000L);
        assertThat(mapped.context()).contains("orgId=org-1").contains("eventId=e-1");
    }

    @Test
    void shouldCarryTheOutboxRowsTraceContextAsHeadersAndNoneWhenTheRowHasNone() {
        // given two outbox events as the EventRouter places them: one with trace columns, one with them null
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        ConnectHeaders traced = new ConnectHeaders();
        traced.addString("eventId", "e-1").addString("eventType", "NumberProvisioned")
                .addString("traceparent", traceparent).addString("tracestate", null);
        ConnectHeaders untraced = new ConnectHeaders();
        untraced.addString("eventId", "e-2").addString("eventType", "NumberProvisioned")
                .addString("traceparent", null).addString("tracestate", null);

        // when they are mapped
        ProducerRecord<byte[], byte[]> withTrace = mapper.map(new SourceRecord(Map.of(), OFFSET, "numbers", null,
                Schema.STRING_SCHEMA, "org-1", Schema.BYTES_SCHEMA, new byte[] {1}, null, traced)).orElseThrow().record();
        ProducerRecord<byte[], byte[]> withoutTrace = mapper.map(new SourceRecord(Map.of(), OFFSET, "numbers", null,
                Schema.STRING_SCHEMA, "org-1", Schema.BYTES_SCHEMA, new byte[] {1}, null, untraced)).orElseThrow().record();

        // then the traced record carries its traceparent, and no record carries an empty trace header
        assertThat(new String(withTrace.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8)).isEqualTo(traceparent);
        assertThat(withTrace.headers().lastHeader("tracestate")).isNull();
        assertThat(withoutTrace.headers().lastHeader("traceparent")).isNull();
        assertThat(withoutTrace.headers().lastHeader("tracestate")).isNull();
        assertThat(withoutTrace.headers().lastHeader("eventId")).isNotNull();
    }

    @Test
    void shouldKeyRowByOrgAndPhoneAndRenderSchemalessJsonWhenRowChanges() {
        Struct key = new Struct(KEY).put("org_id", "org-1").put("phone_number", "+14155550100");
        Struct row = new Struct(ROW).put("org_id", "org-1").put("phone_number", "+14155550100").put("request_id", "r-1")
                .put("is_managed", true).put("version", 3L).put("__deleted", "false").put("__op", "c");
        SourceRecord source = new SourceRecord(Map.of(), OFFSET, "cdc.oc", null, KEY, key, ROW, row);

        RelayRecord mapped = mapper.map(source).orElseThrow();

        assertThat(new String(mapped.record().key(), StandardCharsets.UTF_8)).isEqualTo("org-1|+14155550100");
        assertThat(new String(mapped.record().value(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"org_id\":\"org-1\",\"phone_number\":\"+14155550100\",\"request_id\":\"r-1\",\"is_managed\":true,"
                        + "\"version\":3,\"__deleted\":\"false\",\"__op\":\"c\"}");
        assertThat(mapped.table()).isEqualTo("org_credentials");
        assertThat(mapped.context()).contains("orgId=org-1", "phone=+14155550100", "requestId=r-1");
    }

    @Test
    void shouldKeepTombstoneWhenRowWasDeleted() {
        Struct key = new Struct(KEY).put("org_id", "org-1").put("phone_number", "+14155550100");
        SourceRecord source = new SourceRecord(Map.of(), OFFSET, "cdc.mpn", null, KEY, key, null, null);

        RelayRecord mapped = mapper.map(source).orElseThrow();

        assertThat(mapped.record().value()).isNull();
        assertThat(new String(mapped.record().key(), StandardCharsets.UTF_8)).isEqualTo("org-1|+14155550100");
        assertThat(mapped.table()).isEqualTo("managed_phone_numbers");
    }

    @Test
    void shouldPublishNothingWhenRecordIsAHeartbeat() {
        SourceRecord heartbeat = new SourceRecord(Map.of(), OFFSET, "__debezium-heartbeat.px", null, null, null, null, null);

        assertThat(mapper.map(heartbeat)).isEmpty();
    }

    @Test
    void shouldFailLoudlyWhenRecordMatchesNoRoute() {
        SourceRecord stray = new SourceRecord(Map.of(), OFFSET, "px.message", null, null, null, null, null);

        assertThatThrownBy(() -> mapper.map(stray)).isInstanceOf(UnexpectedRecordException.class)
                .hasMessageContaining("px.message");
    }

    @Test
    void shouldFailLoudlyWhenRowKeyLacksPhone() {
        Schema orgOnly = SchemaBuilder.struct().field("org_id", Schema.STRING_SCHEMA).build();
        SourceRecord source = new SourceRecord(Map.of(), OFFSET, "cdc.mpn", null, orgOnly,
                new Struct(orgOnly).put("org_id", "o"), null, null);

        assertThatThrownBy(() -> mapper.map(source)).isInstanceOf(UnexpectedRecordException.class)
                .hasMessageContaining("phone_number");
    }
}

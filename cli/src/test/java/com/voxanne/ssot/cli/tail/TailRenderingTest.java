package com.voxanne.ssot.cli.tail;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** How one record becomes one JSON line, without a broker: keys, headers, JSON values, and the Avro walk by schema. */
class TailRenderingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Topics TOPICS = Topics.defaults();

    @Test
    void shouldShowTextHeadersAsTextBinaryOnesAsHexAndARepeatedNameAsAnArrayInOrder() throws Exception {
        // given: a record with a text header, a binary one, one without a value and one name given twice
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.UTF_8));
        headers.add("binary", new byte[] {0x00, (byte) 0xff, 0x10});
        headers.add(new RecordHeader("empty", null));
        headers.add("hop", "a".getBytes(StandardCharsets.UTF_8));
        headers.add("hop", "b".getBytes(StandardCharsets.UTF_8));

        // when it is rendered
        JsonNode line = line(TOPICS.cdcManagedNumbers().name(), "k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8), headers);

        // then
        JsonNode h = line.get("headers");
        assertThat(h.get("traceparent").asText()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(h.get("binary").asText()).isEqualTo("00ff10");
        assertThat(h.get("empty").isNull()).isTrue();
        assertThat(h.get("hop").isArray()).isTrue();
        assertThat(h.get("hop")).extracting(JsonNode::asText).containsExactly("a", "b");
    }

    @Test
    void shouldGiveAKeyThatIsNotTextAsHexNextToANullKey() throws Exception {
        JsonNode line = line(TOPICS.cdcManagedNumbers().name(), new byte[] {(byte) 0xc3, 0x28}, "{}".getBytes(StandardCharsets.UTF_8),
                new RecordHeaders());

        assertThat(line.get("key").isNull()).isTrue();
        assertThat(line.get("keyHex").asText()).isEqualTo("c328");
    }

    @Test
    void shouldPrintAJsonValueThatIsCutShortOrNotUtf8RawWithTheParsersMessage() throws Exception {
        String cdc = TOPICS.cdcOrgCredentials().name();
        byte[] cut = "{\"org_id\":\"o-1\",".getBytes(StandardCharsets.UTF_8);
        byte[] latin1 = "{\"name\":\"Cl\u00ednica\"}".getBytes(StandardCharsets.ISO_8859_1);

        JsonNode cutLine = line(cdc, null, cut, new RecordHeaders());
        JsonNode latin1Line = line(cdc, null, latin1, new RecordHeaders());

        assertThat(cutLine.get("format").asText()).isEqualTo("raw");
        assertThat(cutLine.get("valueHex").asText()).isEqualTo(java.util.HexFormat.of().formatHex(cut));
        assertThat(cutLine.get("error").asText()).startsWith("not JSON");
        assertThat(cutLine.has("value")).isFalse();
        assertThat(latin1Line.get("format").asText()).isEqualTo("raw");
        assertThat(latin1Line.get("error").asText()).containsIgnoringCase("UTF-8");
        assertThat(line(cdc, null, new byte[0], new RecordHeaders()).get("error").asText()).contains("empty");
    }

    @Test
    void shouldEscapeNonAsciiSoEveryLineIsPlainAsciiJson() {
        RecordRenderer renderer = new RecordRenderer(TailTarget.resolve(TOPICS, TOPICS.cdcOrgCredentials().name()));

        String line = renderer.line(record(TOPICS.cdcOrgCredentials().name(), "Cl\u00ednica|+1".getBytes(StandardCharsets.UTF_8),
                "{\"name\":\"Cl\u00ednica\\nDemo\"}".getBytes(StandardCharsets.UTF_8), new RecordHeaders()));

        assertThat(line).doesNotContain("\n").matches("\\p{ASCII}*").contains("\\u00ED");
    }

    @Test
    void shouldWalkAGenericAvroRecordBySchemaUnionsEnumsTimestampsBytesArraysAndMaps() {
        // given: a schema with every shape a contract record could grow, and a generic record (timestamps as longs)
        Schema schema = new Schema.Parser().parse("""
                {"type":"record","name":"Probe","namespace":"t","fields":[
                  {"name":"s","type":"string"},
                  {"name":"maybe","type":["null","string"]},
                  {"name":"either","type":["null","long","string"]},
                  {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
                  {"name":"atMicros","type":["null",{"type":"long","logicalType":"timestamp-micros"}]},
                  {"name":"day","type":{"type":"int","logicalType":"date"}},
                  {"name":"colour","type":{"type":"enum","name":"Colour","symbols":["RED","GREEN"]}},
                  {"name":"colours","type":{"type":"array","items":"Colour"}},
                  {"name":"counts","type":{"type":"map","values":"int"}},
                  {"name":"raw","type":"bytes"},
                  {"name":"inner","type":["null",{"type":"record","name":"Inner","fields":[{"name":"ok","type":"boolean"}]}]}
                ]}""");
        GenericRecord inner = new GenericData.Record(schema.getField("inner").schema().getTypes().get(1));
        inner.put("ok", true);
        Schema colour = schema.getField("colour").schema();
        GenericRecord r = new GenericData.Record(schema);
        r.put("s", new org.apache.avro.util.Utf8("text"));
        r.put("maybe", null);
        r.put("either", 42L);
        r.put("at", 1_796_120_130_123L);
        r.put("atMicros", 1_796_120_130_123_456L);
        r.put("day", 20_423);
        r.put("colour", new GenericData.EnumSymbol(colour, "GREEN"));
        r.put("colours", List.of(new GenericData.EnumSymbol(colour, "RED")));
        r.put("counts", Map.of("a", 1));
        r.put("raw", ByteBuffer.wrap(new byte[] {0x0a, (byte) 0xbc}));
        r.put("inner", inner);

        // when
        JsonNode json = AvroJson.of(r);

        // then
        assertThat(json.get("s").asText()).isEqualTo("text");
        assertThat(json.get("maybe").isNull()).isTrue();
        assertThat(json.get("either").isIntegralNumber()).isTrue();
        assertThat(json.get("either").asLong()).isEqualTo(42L);
        assertThat(json.get("at").asText()).isEqualTo("2026-12-01T10:15:30.123Z");
        assertThat(json.get("atMicros").asText()).isEqualTo("2026-12-01T10:15:30.123456Z");
        assertThat(json.get("day").asText()).isEqualTo("2025-12-01");
        assertThat(json.get("colour").asText()).isEqualTo("GREEN");
        assertThat(json.get("colours")).extracting(JsonNode::asText).containsExactly("RED");
        assertThat(json.get("counts").get("a").asInt()).isEqualTo(1);
        assertThat(json.get("raw").asText()).isEqualTo("0abc");
        assertThat(json.get("inner").get("ok").asBoolean()).isTrue();
        assertThat(json.properties()).extracting(Map.Entry::getKey)
                .containsExactly("s", "maybe", "either", "at", "atMicros", "day", "colour", "colours", "counts", "raw", "inner");
    }

    @Test
    void shouldTellKeyBytesThatAreTextFromOnesThatAreNot() {
        assertThat(RecordRenderer.text("org|+14155550100\t".getBytes(StandardCharsets.UTF_8))).contains("org|+14155550100\t");
        assertThat(RecordRenderer.text(new byte[] {0x41, 0x00})).isEqualTo(Optional.empty());
        assertThat(RecordRenderer.text(new byte[] {(byte) 0xff})).isEqualTo(Optional.empty());
    }

    private static JsonNode line(String topic, byte[] key, byte[] value, RecordHeaders headers) throws Exception {
        RecordRenderer renderer = new RecordRenderer(TailTarget.resolve(TOPICS, topic));
        return JSON.readTree(renderer.line(record(topic, key, value, headers)));
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, byte[] key, byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>(topic, 0, 7L, 1_796_120_130_123L, TimestampType.CREATE_TIME, key == null ? 0 : key.length,
                value == null ? 0 : value.length, key, value, headers, Optional.empty());
    }
}

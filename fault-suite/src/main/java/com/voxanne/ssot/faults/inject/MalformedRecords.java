package com.voxanne.ssot.faults.inject;

import com.voxanne.ssot.faults.inject.MalformedRecord.Expectation;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.serialization.Serde;

/**
 * Builds the bad input of {@link MalformedKind} for each {@link InputTopic}: bytes that are not Avro or not JSON, valid
 * records cut short or of another schema, records missing fields, huge, SQL- and script-looking strings, invalid
 * numbers and unknown organisations. Every record is built so that the only right outcome is the dead-letter topic (and,
 * for a decodable request, a REJECTED result): none of them may ever become a number or an SSOT row.
 */
public final class MalformedRecords {
    static final String SQL = "1' OR '1'='1'; DROP TABLE organizations; --";
    static final String SCRIPT = "<script>alert('faultsuite')</script>";
    private static final int HUGE = 200_000;

    private final Topics topics;
    private final AvroSerde<ProvisionNumberRequest> requests = AvroSerde.of(ProvisionNumberRequest.class);
    private final AvroSerde<NumberProvisioned> events = AvroSerde.of(NumberProvisioned.class);

    public MalformedRecords(Topics topics) {
        this.topics = topics;
    }

    /**
     * @param knownOrgId an organisation that exists, so that a request fails only for the reason the kind names
     */
    public MalformedRecord build(InputTopic input, MalformedKind kind, String knownOrgId, Random random) {
        if (!kind.appliesTo(input)) {
            throw new IllegalArgumentException(kind + " does not apply to " + input);
        }
        String id = "faultsuite-" + input.name().toLowerCase() + "-" + kind.name().toLowerCase() + "-" + hex(random, 6);
        return switch (input) {
            case REQUESTS -> request(id, kind, knownOrgId, random);
            case EVENTS -> event(id, kind, knownOrgId, random);
            case CDC_MANAGED, CDC_SSOT -> cdc(id, input, kind, random);
        };
    }

    private MalformedRecord request(String id, MalformedKind kind, String org, Random random) {
        String topic = InputTopic.REQUESTS.name(topics);
        ProvisionNumberRequest.Builder valid = validRequest(id, org);
        return switch (kind) {
            case RANDOM_BYTES -> dead(id, InputTopic.REQUESTS, kind, topic, org, randomBytes(random));
            case TRUNCATED_AVRO -> dead(id, InputTopic.REQUESTS, kind, topic, org, truncate(requests.serialize(topic, valid.build())));
            case WRONG_SCHEMA -> dead(id, InputTopic.REQUESTS, kind, topic, org, events.serialize(topic, validEvent(id, org, random)));
            case MISSING_FIELDS -> dead(id, InputTopic.REQUESTS, kind, topic, org, partialRecord("ProvisionNumberRequest", id, org));
            case CONFLUENT_UNKNOWN_ID -> dead(id, InputTopic.REQUESTS, kind, topic, org, unknownId(random));
            case CONFLUENT_TRUNCATED -> dead(id, InputTopic.REQUESTS, kind, topic, org,
                    confluentTruncated(topics.provisioningRequests().valueSerde(), topic, requests.serialize(topic, valid.build())));
            case EMPTY_PAYLOAD -> dead(id, InputTopic.REQUESTS, kind, topic, org, new byte[0]);
            case TOMBSTONE -> dead(id, InputTopic.REQUESTS, kind, topic, org, null);
            case MISSING_REQUEST_ID -> dead(id, InputTopic.REQUESTS, kind, topic, org,
                    requests.serialize(topic, valid.setRequestId("  ").build()));
            case HUGE_STRINGS -> rejected(id, kind, topic, org, valid.setFriendlyName("A".repeat(HUGE)).build());
            case SQL_STRING -> rejected(id, kind, topic, SQL, valid.setOrgId(SQL).build());
            case SCRIPT_STRING -> rejected(id, kind, topic, org, valid.setAreaCode(SCRIPT).build());
            case INVALID_NUMBER -> rejected(id, kind, topic, org, valid.setAreaCode("099").build());
            case UNKNOWN_ORG -> {
                String unknown = new UUID(random.nextLong(), random.nextLong()).toString();
                yield rejected(id, kind, topic, unknown, valid.setOrgId(unknown).build());
            }
            default -> throw new IllegalArgumentException(kind + " on requests");
        };
    }

    private MalformedRecord event(String id, MalformedKind kind, String org, Random random) {
        String topic = InputTopic.EVENTS.name(topics);
        NumberProvisioned valid = validEvent(id, org, random);
        byte[] value = switch (kind) {
            case RANDOM_BYTES -> randomBytes(random);
            case TRUNCATED_AVRO -> truncate(events.serialize(topic, valid));
            case WRONG_SCHEMA -> requests.serialize(topic, validRequest(id, org).build());
            case MISSING_FIELDS -> partialRecord("NumberProvisioned", id, org);
            case CONFLUENT_UNKNOWN_ID -> unknownId(random);
            case CONFLUENT_TRUNCATED -> confluentTruncated(topics.numbersProvisioned().valueSerde(), topic, events.serialize(topic, valid));
            case EMPTY_PAYLOAD -> new byte[0];
            case TOMBSTONE -> null;
            case HUGE_STRINGS -> events.serialize(topic, copy(valid).setPhoneNumber("+1" + "5".repeat(HUGE)).build());
            case SQL_STRING -> events.serialize(topic, copy(valid).setOrgId(SQL).build());
            case SCRIPT_STRING -> events.serialize(topic, copy(valid).setTwilioSid(SCRIPT).setVapiPhoneId(SCRIPT).build());
            case INVALID_NUMBER -> events.serialize(topic, copy(valid).setPhoneNumber("4155550123").build());
            case UNKNOWN_ORG -> events.serialize(topic, copy(valid).setOrgId(new UUID(random.nextLong(), random.nextLong()).toString()).build());
            case BLANK_VAPI_ID -> events.serialize(topic, copy(valid).setVapiPhoneId("   ").build());
            case BAD_TWILIO_SID -> events.serialize(topic, copy(valid).setTwilioSid("PN123").build());
            default -> throw new IllegalArgumentException(kind + " on the event log");
        };
        return dead(id, InputTopic.EVENTS, kind, topic, org, value);
    }

    private MalformedRecord cdc(String id, InputTopic input, MalformedKind kind, Random random) {
        String topic = input.name(topics);
        boolean managed = input == InputTopic.CDC_MANAGED;
        String phone = "+1555" + digits(random, 7);
        String json = switch (kind) {
            case RANDOM_BYTES, WRONG_SCHEMA, CONFLUENT_UNKNOWN_ID, CONFLUENT_TRUNCATED -> null;
            case MISSING_FIELDS -> managed
                    ? "{\"id\":\"" + UUID.randomUUID() + "\",\"phone_number\":\"" + phone + "\",\"vapi_phone_id\":\"v\",\"status\":\"active\","
                            + "\"__op\":\"c\",\"__deleted\":\"false\"}"
                    : "{\"id\":1,\"provider\":\"twilio\",\"phone_number\":\"" + phone + "\",\"is_managed\":true,\"__op\":\"c\",\"__deleted\":\"false\"}";
            case HUGE_STRINGS -> "{\"org_id\":\"" + "x".repeat(HUGE) + "\",\"__op\":\"c\",\"__deleted\":\"false\"}";
            case SQL_STRING -> "{\"id\":\"" + SQL.replace("'", "\\u0027") + "\",\"phone_number\":\"" + SQL + "\",\"__op\":\"c\"}";
            case SCRIPT_STRING -> managed
                    ? "{\"id\":\"x\",\"org_id\":\"" + SCRIPT + "\",\"phone_number\":\"" + SCRIPT + "\",\"vapi_phone_id\":\"v\","
                            + "\"status\":{\"html\":\"" + SCRIPT + "\"},\"__op\":\"c\"}"
                    : "{\"org_id\":\"" + SCRIPT + "\",\"provider\":\"twilio\",\"phone_number\":\"" + SCRIPT + "\",\"is_managed\":\"" + SCRIPT
                            + "\",\"__op\":\"c\"}";
            case TRUNCATED_JSON -> "{\"id\":\"" + UUID.randomUUID() + "\",\"org_id\":\"";
            case JSON_ARRAY -> "[\"" + phone + "\",1,2,3]";
            case WRONG_TYPE -> managed
                    ? "{\"id\":\"" + UUID.randomUUID() + "\",\"org_id\":\"" + UUID.randomUUID() + "\",\"phone_number\":\"" + phone
                            + "\",\"vapi_phone_id\":\"v\",\"status\":[\"active\"],\"__op\":\"c\"}"
                    : "{\"org_id\":\"" + UUID.randomUUID() + "\",\"provider\":\"twilio\",\"phone_number\":\"" + phone
                            + "\",\"is_managed\":\"maybe\",\"version\":\"abc\",\"__op\":\"c\"}";
            default -> throw new IllegalArgumentException(kind + " on a change stream");
        };
        byte[] value = switch (kind) {
            case RANDOM_BYTES -> randomBytes(random);
            case WRONG_SCHEMA -> events.serialize(topic, validEvent(id, UUID.randomUUID().toString(), random));
            case CONFLUENT_UNKNOWN_ID -> unknownId(random);
            case CONFLUENT_TRUNCATED -> confluentTruncated(topics.numbersProvisioned().valueSerde(), topics.numbersProvisioned().name(),
                    events.serialize(topic, validEvent(id, UUID.randomUUID().toString(), random)));
            default -> json.getBytes(StandardCharsets.UTF_8);
        };
        String key = "faultsuite|" + id;
        return new MalformedRecord(id, input, kind, topic, key.getBytes(StandardCharsets.UTF_8), value, Expectation.DEAD_LETTER, null);
    }

    private static MalformedRecord dead(String id, InputTopic input, MalformedKind kind, String topic, String key, byte[] value) {
        return new MalformedRecord(id, input, kind, topic, key.getBytes(StandardCharsets.UTF_8), value, Expectation.DEAD_LETTER, null);
    }

    private MalformedRecord rejected(String id, MalformedKind kind, String topic, String key, ProvisionNumberRequest request) {
        return new MalformedRecord(id, InputTopic.REQUESTS, kind, topic, key.getBytes(StandardCharsets.UTF_8),
                requests.serialize(topic, request), Expectation.REJECTED_AND_DEAD_LETTER, request.getRequestId());
    }

    private static ProvisionNumberRequest.Builder validRequest(String requestId, String org) {
        return ProvisionNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "ProvisionNumberRequest"))
                .setRequestId(requestId)
                .setOrgId(org)
                .setCountryCode("US")
                .setAreaCode("415")
                .setFriendlyName(null)
                .setRequestedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static NumberProvisioned validEvent(String requestId, String org, Random random) {
        return NumberProvisioned.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "NumberProvisioned"))
                .setRequestId(requestId)
                .setOrgId(org)
                .setPhoneNumber("+1555" + digits(random, 7))
                .setTwilioSid("PN" + hex(random, 16))
                .setVapiPhoneId(UUID.randomUUID().toString())
                .setProvisionedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

    private static NumberProvisioned.Builder copy(NumberProvisioned event) {
        return NumberProvisioned.newBuilder(event);
    }

    /** A record named like the real one but with fewer fields: its schema fingerprint is unknown to every reader. */
    private static byte[] partialRecord(String name, String id, String org) {
        Schema schema = SchemaBuilder.record(name).namespace("com.voxanne.ssot.schemas.avro").fields()
                .requiredString("eventId").requiredString("requestId").requiredString("orgId").endRecord();
        GenericRecord record = new GenericData.Record(schema);
        record.put("eventId", UUID.randomUUID().toString());
        record.put("requestId", id);
        record.put("orgId", org);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a partial " + name, e);
        }
    }

    /** Magic byte 0, a schema id, then garbage: what a Schema Registry producer would send. */
    /**
     * 00 + a schema id far beyond any the registry has given out (ids count up from 1) + a random body: the reader must
     * ask the registry, be told no, and dead-letter it (never wait for it forever, never take it as ours).
     */
    private static byte[] unknownId(Random random) {
        byte[] body = randomBytes(random);
        byte[] out = new byte[5 + body.length];
        ByteBuffer.wrap(out, 1, 4).putInt(1_500_000_000 + random.nextInt(500_000_000));
        System.arraycopy(body, 0, out, 5, body.length);
        return out;
    }

    /**
     * 00 + the id the topic's writer schema really has (through the deployment's registry; 1 when it has none) + the
     * first half of a valid body: the schema resolves, the body does not.
     */
    private static byte[] confluentTruncated(Serde<?> serde, String topic, byte[] singleObject) {
        int id = serde instanceof AvroSerde<?> avro && avro.wire().registry().isPresent() ? avro.writerId(topic) : 1;
        int bodyLength = (singleObject.length - 10) / 2;
        byte[] out = new byte[5 + bodyLength];
        ByteBuffer.wrap(out, 1, 4).putInt(id);
        System.arraycopy(singleObject, 10, out, 5, bodyLength);
        return out;
    }

    private static byte[] truncate(byte[] valid) {
        return Arrays.copyOf(valid, Math.max(11, valid.length / 2));
    }

    /** Never starts like Avro single-object encoding (C3 01), JSON or the Confluent framing. */
    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[16 + random.nextInt(240)];
        random.nextBytes(b);
        b[0] = (byte) 0xFF;
        return b;
    }

    private static String digits(Random random, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        return sb.toString();
    }

    private static String hex(Random random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}

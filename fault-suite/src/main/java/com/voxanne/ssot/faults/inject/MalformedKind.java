package com.voxanne.ssot.faults.inject;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The shapes of bad input the suite sends, and on which input topics each makes sense. Every one must end in the
 * topic's dead-letter topic with a reason; the decodable requests among them must also get a REJECTED result.
 */
public enum MalformedKind {
    RANDOM_BYTES("random bytes", EnumSet.allOf(InputTopic.class)),
    TRUNCATED_AVRO("a valid record cut short", EnumSet.of(InputTopic.REQUESTS, InputTopic.EVENTS)),
    WRONG_SCHEMA("a valid record of another schema", EnumSet.allOf(InputTopic.class)),
    MISSING_FIELDS("a record missing required fields", EnumSet.allOf(InputTopic.class)),
    CONFLUENT_UNKNOWN_ID("Confluent framing (00 + id) with a schema id the registry does not have", EnumSet.allOf(InputTopic.class)),
    CONFLUENT_TRUNCATED("Confluent framing with the topic's real schema id and a body cut short", EnumSet.allOf(InputTopic.class)),
    EMPTY_PAYLOAD("a zero-length value", EnumSet.of(InputTopic.REQUESTS, InputTopic.EVENTS)),
    TOMBSTONE("a null value", EnumSet.of(InputTopic.REQUESTS, InputTopic.EVENTS)),
    HUGE_STRINGS("a 200,000-character string", EnumSet.allOf(InputTopic.class)),
    SQL_STRING("an SQL-injection-looking string", EnumSet.allOf(InputTopic.class)),
    SCRIPT_STRING("a script-looking string", EnumSet.allOf(InputTopic.class)),
    INVALID_NUMBER("an invalid E.164 number / area code", EnumSet.of(InputTopic.REQUESTS, InputTopic.EVENTS)),
    UNKNOWN_ORG("an organisation that does not exist", EnumSet.of(InputTopic.REQUESTS, InputTopic.EVENTS)),
    MISSING_REQUEST_ID("a blank requestId", EnumSet.of(InputTopic.REQUESTS)),
    BLANK_VAPI_ID("a blank vapiPhoneId", EnumSet.of(InputTopic.EVENTS)),
    BAD_TWILIO_SID("a malformed Twilio SID", EnumSet.of(InputTopic.EVENTS)),
    TRUNCATED_JSON("JSON cut short", EnumSet.of(InputTopic.CDC_MANAGED, InputTopic.CDC_SSOT)),
    JSON_ARRAY("a JSON array instead of an object", EnumSet.of(InputTopic.CDC_MANAGED, InputTopic.CDC_SSOT)),
    WRONG_TYPE("a column of the wrong type", EnumSet.of(InputTopic.CDC_MANAGED, InputTopic.CDC_SSOT));

    private final String description;
    private final Set<InputTopic> topics;

    MalformedKind(String description, Set<InputTopic> topics) {
        this.description = description;
        this.topics = topics;
    }

    public String description() {
        return description;
    }

    public boolean appliesTo(InputTopic topic) {
        return topics.contains(topic);
    }

    /** Every kind that makes sense on this topic, in declaration order. */
    public static List<MalformedKind> forTopic(InputTopic topic) {
        return Arrays.stream(values()).filter(k -> k.appliesTo(topic)).toList();
    }
}

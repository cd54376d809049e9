package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.projector.store.Candidate;
import com.voxanne.ssot.projector.store.EventValidator;
import com.voxanne.ssot.projector.store.InvalidEventException;
import com.voxanne.ssot.schemas.SchemaHistory;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.schemas.serde.MultiRecordSerde;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns raw records of {@code telephony.numbers.provisioned} (NumberProvisioned and NumberReleased) into SSOT candidates, before any database
 * work: undecodable bytes and events that break the contract become {@link Rejection}s so they never
 * fail a batch.
 */
public final class RecordDecoder {
    private final Deserializer<? extends SpecificRecord> deserializer;
    private final EventValidator validator;

    /**
     * @param deserializer the event log's values: NumberProvisioned, or NumberReleased too (see {@link #forEventLog});
     *                     any other type is rejected as undecodable, for the DLQ
     */
    public RecordDecoder(Deserializer<? extends SpecificRecord> deserializer, EventValidator validator) {
        this.deserializer = deserializer;
        this.validator = validator;
    }

    /**
     * A decoder of both event types of the event log {@code topic}: NumberProvisioned under the topic's subject, and
     * NumberReleased under its own ({@code <topic>-<record name>}), read through the same wire as the topic's serde.
     */
    public static RecordDecoder forEventLog(Topic<String, NumberProvisioned> topic, EventValidator validator) {
        if (!(topic.valueSerde() instanceof AvroSerde<NumberProvisioned> provisioned)) {
            return new RecordDecoder(topic.valueSerde().deserializer(), validator); // a test's own serde: provisions only
        }
        AvroSerde<NumberReleased> released = AvroSerde.of(NumberReleased.class, SchemaHistory.bundled(), provisioned.wire(),
                AvroSerde.SubjectNaming.TOPIC_RECORD_NAME);
        return new RecordDecoder(MultiRecordSerde.of(List.of(provisioned, released)), validator);
    }

    /** The outcome for a whole batch, in record order. */
    public record Decoded(List<Candidate<ConsumerRecord<byte[], byte[]>>> candidates, List<Rejection> rejections) {
    }

    public Decoded decode(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Candidate<ConsumerRecord<byte[], byte[]>>> candidates = new ArrayList<>(records.size());
        List<Rejection> rejections = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            SpecificRecord event;
            try {
                event = deserializer.deserialize(record.topic(), record.value());
            } catch (UndecodableRecordException e) {
                rejections.add(new Rejection(record, Rejection.STAGE_DECODE, e.getMessage(), e.getClass().getName(),
                        keyText(record), null, null));
                continue;
            }
            if (event == null) {
                rejections.add(new Rejection(record, Rejection.STAGE_DECODE,
                        "null value (tombstone) where a NumberProvisioned or NumberReleased was expected", "Tombstone",
                        keyText(record), null, null));
                continue;
            }
            if (event instanceof NumberReleased release) {
                try {
                    candidates.add(new Candidate<>(validator.validate(release), record));
                } catch (InvalidEventException e) {
                    rejections.add(new Rejection(record, Rejection.STAGE_SSOT_WRITE, e.getMessage(),
                            e.getClass().getName(), release.getOrgId(), release.getRequestId(), release.getPhoneNumber()));
                }
                continue;
            }
            NumberProvisioned provisioned = (NumberProvisioned) event;
            try {
                candidates.add(new Candidate<>(validator.validate(provisioned), record));
            } catch (InvalidEventException e) {
                rejections.add(new Rejection(record, Rejection.STAGE_SSOT_WRITE, e.getMessage(),
                        e.getClass().getName(), provisioned.getOrgId(), provisioned.getRequestId(), provisioned.getPhoneNumber()));
            }
        }
        return new Decoded(candidates, rejections);
    }

    private static String keyText(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
    }
}

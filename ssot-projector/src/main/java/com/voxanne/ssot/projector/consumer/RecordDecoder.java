package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.projector.store.Candidate;
import com.voxanne.ssot.projector.store.EventValidator;
import com.voxanne.ssot.projector.store.InvalidEventException;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns raw records of {@code telephony.numbers.provisioned} into SSOT candidates, before any database
 * work: undecodable bytes and events that break the contract become {@link Rejection}s so they never
 * fail a batch.
 */
public final class RecordDecoder {
    private final Deserializer<NumberProvisioned> deserializer;
    private final EventValidator validator;

    public RecordDecoder(Deserializer<NumberProvisioned> deserializer, EventValidator validator) {
        this.deserializer = deserializer;
        this.validator = validator;
    }

    /** The outcome for a whole batch, in record order. */
    public record Decoded(List<Candidate<ConsumerRecord<byte[], byte[]>>> candidates, List<Rejection> rejections) {
    }

    public Decoded decode(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Candidate<ConsumerRecord<byte[], byte[]>>> candidates = new ArrayList<>(records.size());
        List<Rejection> rejections = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            NumberProvisioned event;
            try {
                event = deserializer.deserialize(record.topic(), record.value());
            } catch (UndecodableRecordException e) {
                rejections.add(new Rejection(record, Rejection.STAGE_DECODE, e.getMessage(), e.getClass().getName(),
                        keyText(record), null, null));
                continue;
            }
            if (event == null) {
                rejections.add(new Rejection(record, Rejection.STAGE_DECODE,
                        "null value (tombstone) where a NumberProvisioned was expected", "Tombstone",
                        keyText(record), null, null));
                continue;
            }
            try {
                candidates.add(new Candidate<>(validator.validate(event), record));
            } catch (InvalidEventException e) {
                rejections.add(new Rejection(record, Rejection.STAGE_SSOT_WRITE, e.getMessage(),
                        e.getClass().getName(), event.getOrgId(), event.getRequestId(), event.getPhoneNumber()));
            }
        }
        return new Decoded(candidates, rejections);
    }

    private static String keyText(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
    }
}

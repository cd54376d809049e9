package com.voxanne.ssot.provisioner.inbox;

import com.voxanne.ssot.provisioner.saga.RequestValidator;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The first job of the inbox: a polled batch split into requests a saga can be recorded for, and records that cannot
 * be (undecodable bytes, a tombstone, no usable requestId), each with the reason it goes to the DLQ.
 */
final class RequestDecoder {
    /** One decoded record. */
    record Received(ConsumerRecord<byte[], byte[]> source, ProvisionNumberRequest request) {
    }

    /** One record no saga can be recorded for, and why. */
    record Undecodable(ConsumerRecord<byte[], byte[]> source, String why) {
    }

    /** A batch, split; each list in poll order. */
    record Decoded(List<Received> requests, List<Undecodable> undecodable) {
    }

    private final Deserializer<ProvisionNumberRequest> serde;

    /**
     * @param serde the requests topic's deserializer: throws {@link UndecodableRecordException} for bytes that are no
     *              request (dead-lettered here), and a retriable exception when the schema registry cannot be asked
     *              (the batch is then retried, nothing is parked)
     */
    RequestDecoder(Deserializer<ProvisionNumberRequest> serde) {
        this.serde = serde;
    }

    Decoded decode(ConsumerRecords<byte[], byte[]> records) {
        List<Received> requests = new ArrayList<>();
        List<Undecodable> undecodable = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.value() == null) {
                undecodable.add(new Undecodable(record, "null value (tombstone) where a ProvisionNumberRequest was expected"));
                continue;
            }
            ProvisionNumberRequest request;
            try {
                request = serde.deserialize(record.topic(), record.value());
            } catch (UndecodableRecordException e) {
                undecodable.add(new Undecodable(record, e.getMessage()));
                continue;
            }
            if (!RequestValidator.hasUsableRequestId(request)) {
                undecodable.add(new Undecodable(record,
                        "ProvisionNumberRequest without a usable requestId: no saga can be recorded or answered"));
            } else {
                requests.add(new Received(record, request));
            }
        }
        return new Decoded(requests, undecodable);
    }
}

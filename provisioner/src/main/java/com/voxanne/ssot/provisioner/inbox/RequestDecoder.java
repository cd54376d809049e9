package com.voxanne.ssot.provisioner.inbox;

import com.voxanne.ssot.provisioner.saga.RequestValidator;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The first job of the inbox: a polled batch split into requests a saga can be recorded for, and records that cannot
 * be (undecodable bytes, a tombstone, no usable requestId), each with the reason it goes to the DLQ.
 */
final class RequestDecoder {
    /** One decoded record. */
    record Received(ConsumerRecord<byte[], byte[]> source, SpecificRecord request) {
        /** The organisation the request names, as sent. */
        String orgId() {
            return request instanceof ReleaseNumberRequest release ? release.getOrgId()
                    : ((ProvisionNumberRequest) request).getOrgId();
        }
    }

    /** One record no saga can be recorded for, and why. */
    record Undecodable(ConsumerRecord<byte[], byte[]> source, String why) {
    }

    /** A batch, split; each list in poll order. */
    record Decoded(List<Received> requests, List<Undecodable> undecodable) {
    }

    private final Deserializer<SpecificRecord> serde;

    /**
     * @param serde the requests topic's deserializer (a ProvisionNumberRequest or a ReleaseNumberRequest per record): throws {@link UndecodableRecordException} for bytes that are no
     *              request (dead-lettered here), and a retriable exception when the schema registry cannot be asked
     *              (the batch is then retried, nothing is parked)
     */
    RequestDecoder(Deserializer<SpecificRecord> serde) {
        this.serde = serde;
    }

    Decoded decode(ConsumerRecords<byte[], byte[]> records) {
        List<Received> requests = new ArrayList<>();
        List<Undecodable> undecodable = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.value() == null) {
                undecodable.add(new Undecodable(record,
                        "null value (tombstone) where a ProvisionNumberRequest or ReleaseNumberRequest was expected"));
                continue;
            }
            SpecificRecord request;
            try {
                request = serde.deserialize(record.topic(), record.value());
            } catch (UndecodableRecordException e) {
                undecodable.add(new Undecodable(record, e.getMessage()));
                continue;
            }
            boolean usableId = request instanceof ReleaseNumberRequest release ? RequestValidator.hasUsableRequestId(release)
                    : request instanceof ProvisionNumberRequest provision && RequestValidator.hasUsableRequestId(provision);
            if (!usableId) {
                undecodable.add(new Undecodable(record, request.getSchema().getName()
                        + " without a usable requestId: no saga can be recorded or answered"));
            } else {
                requests.add(new Received(record, request));
            }
        }
        return new Decoded(requests, undecodable);
    }
}

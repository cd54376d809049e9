package com.voxanne.ssot.faults.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.faults.inject.MalformedRecord.Expectation;
import com.voxanne.ssot.projector.store.EventValidator;
import com.voxanne.ssot.provisioner.saga.RequestValidator;
import com.voxanne.ssot.reconciler.model.CdcRows;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each piece of bad input is checked against the decoders and validators the pipeline really uses, so the suite's
 * expectation (dead letter, or REJECTED) is the only right outcome and none of it could become a number or a row.
 */
class MalformedRecordsTest {
    private static final String KNOWN_ORG = UUID.randomUUID().toString();
    private final MalformedRecords builder = new MalformedRecords(Topics.defaults());
    private final Random random = new Random(3);

    static List<MalformedKind> requestKinds() {
        return MalformedKind.forTopic(InputTopic.REQUESTS);
    }

    static List<MalformedKind> eventKinds() {
        return MalformedKind.forTopic(InputTopic.EVENTS);
    }

    static List<Arguments> changeStreamKinds() {
        List<Arguments> out = new ArrayList<>();
        for (InputTopic topic : List.of(InputTopic.CDC_MANAGED, InputTopic.CDC_SSOT)) {
            MalformedKind.forTopic(topic).forEach(kind -> out.add(Arguments.of(topic, kind)));
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("requestKinds")
    void shouldBuildRequestsTheProvisionerMustDeadLetterOrReject(MalformedKind kind) {
        // when
        MalformedRecord record = builder.build(InputTopic.REQUESTS, kind, KNOWN_ORG, random);

        // then
        AvroSerde<ProvisionNumberRequest> serde = AvroSerde.of(ProvisionNumberRequest.class);
        if (record.expectation() == Expectation.REJECTED_AND_DEAD_LETTER) {
            ProvisionNumberRequest request = serde.deserialize(record.topic(), record.value());
            assertThat(RequestValidator.hasUsableRequestId(request)).isTrue();
            assertThat(request.getRequestId()).isEqualTo(record.requestId());
            assertThat(new RequestValidator().validate(request, KNOWN_ORG::equals).rejection()).as(kind.name()).isPresent();
        } else if (record.value() == null) {
            assertThat(kind).isEqualTo(MalformedKind.TOMBSTONE);
        } else {
            try {
                ProvisionNumberRequest request = serde.deserialize(record.topic(), record.value());
                assertThat(RequestValidator.hasUsableRequestId(request)).as(kind + " decodes, so it must lack a usable requestId").isFalse();
            } catch (com.voxanne.ssot.schemas.serde.UndecodableRecordException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("eventKinds")
    void shouldBuildEventsTheProjectorMustDeadLetter(MalformedKind kind) {
        // when
        MalformedRecord record = builder.build(InputTopic.EVENTS, kind, KNOWN_ORG, random);

        // then
        assertThat(record.expectation()).isEqualTo(Expectation.DEAD_LETTER);
        if (record.value() == null) {
            assertThat(kind).isEqualTo(MalformedKind.TOMBSTONE);
            return;
        }
        AvroSerde<NumberProvisioned> serde = AvroSerde.of(NumberProvisioned.class);
        NumberProvisioned event;
        try {
            event = serde.deserialize(record.topic(), record.value());
        } catch (com.voxanne.ssot.schemas.serde.UndecodableRecordException undecodable) {
            return;
        }
        if (kind == MalformedKind.UNKNOWN_ORG) {
            assertThat(event.getOrgId()).isNotEqualTo(KNOWN_ORG);
            return;
        }
        assertThatThrownBy(() -> new EventValidator().validate(event)).as(kind.name())
                .isInstanceOf(com.voxanne.ssot.projector.store.InvalidEventException.class);
    }

    @ParameterizedTest
    @MethodSource("changeStreamKinds")
    void shouldBuildChangeRecordsTheReconcilerMustDeadLetter(InputTopic topic, MalformedKind kind) {
        // when
        MalformedRecord record = builder.build(topic, kind, KNOWN_ORG, random);

        // then
        assertThat(record.value()).as("a null value is a legitimate delete on a change stream").isNotNull();
        assertThatThrownBy(() -> {
            if (topic == InputTopic.CDC_MANAGED) {
                CdcRows.managedNumber(record.value());
            } else {
                CdcRows.ssotRow(record.value());
            }
        }).as(kind + " on " + topic).isInstanceOf(com.voxanne.ssot.reconciler.model.MalformedCdcRecordException.class);
    }
}

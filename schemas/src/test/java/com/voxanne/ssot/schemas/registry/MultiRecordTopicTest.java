package com.voxanne.ssot.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.voxanne.ssot.schemas.Samples;
import com.voxanne.ssot.schemas.SchemaHistory;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.schemas.serde.AvroWire;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException.Reason;

/**
 * Two record types on one topic: the requests topic carries provision and release requests, the event log provisioned
 * and released numbers; each added type has its own subject, readers dispatch on the writer schema.
 */
class MultiRecordTopicTest {
    private static final RegisteredSchemas.Retries FAST =
            new RegisteredSchemas.Retries(2, 3, Duration.ofMillis(5), Duration.ofMinutes(1));

    private final StubRegistry registry = new StubRegistry();
    private final AvroWire confluent =
            AvroWire.confluent(new RegisteredSchemas(SchemaRegistryClient.of(registry.url()), FAST));
    private final Topics topics = Topics.defaults().withWire(confluent);

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void shouldReadProvisionAndReleaseRequestsFromOneTopicInBothFormats() {
        // given both types on the requests topic, Confluent-framed and single-object encoded
        String topic = topics.requests().name();
        byte[] provision = topics.provisioningRequests().valueSerde().serializer().serialize(topic, Samples.request());
        byte[] release = topics.releaseRequests().valueSerde().serializer().serialize(topic, Samples.releaseRequest());
        byte[] oldRelease = Topics.defaults().releaseRequests().valueSerde().serializer()
                .serialize(topic, Samples.releaseRequest());

        // when
        var reader = topics.requests().valueSerde().deserializer();

        // then
        assertThat(release[0]).isZero();
        assertThat(oldRelease[0]).isEqualTo((byte) 0xC3);
        assertThat(reader.deserialize(topic, provision)).isEqualTo(Samples.request());
        assertThat(reader.deserialize(topic, release)).isEqualTo(Samples.releaseRequest());
        assertThat(reader.deserialize(topic, oldRelease)).isEqualTo(Samples.releaseRequest());
        assertThat(topics.requests().valueSerde().serializer().serialize(topic, Samples.releaseRequest()))
                .isEqualTo(release);
    }

    @Test
    void shouldRegisterTheAddedTypesUnderTopicRecordNameSubjectsAndKeepTheOldSubjects() {
        // when
        List<SchemaRegistration.Subject> subjects =
                new SchemaRegistration(SchemaRegistryClient.of(registry.url()), SchemaHistory.bundled()).registerAll(topics);
        byte[] release = topics.releaseRequests().valueSerde().serializer()
                .serialize(topics.requests().name(), Samples.releaseRequest());

        // then: no subject changes its record type; the release's id is the one under its own subject
        assertThat(subjects).extracting(SchemaRegistration.Subject::subject).contains(
                "telephony.provisioning.requests-value",
                "telephony.numbers.provisioned-value",
                "telephony.provisioning.requests-com.voxanne.ssot.schemas.avro.ReleaseNumberRequest",
                "telephony.numbers.provisioned-com.voxanne.ssot.schemas.avro.NumberReleased");
        assertThat(registry.subjects().get("telephony.provisioning.requests-com.voxanne.ssot.schemas.avro.ReleaseNumberRequest"))
                .contains(ByteBuffer.wrap(release, 1, 4).getInt());
        assertThat(registry.subjects().get("telephony.provisioning.requests-value"))
                .doesNotContain(ByteBuffer.wrap(release, 1, 4).getInt());
    }

    @Test
    void shouldGiveAReaderThatKnowsOnlyProvisionRequestsAClearWrongTypeForARelease() {
        // given an inbox still on the single-type serde (not upgraded before releases were published)
        String topic = topics.requests().name();
        AvroSerde<ProvisionNumberRequest> oldReader = AvroSerde.of(ProvisionNumberRequest.class, SchemaHistory.bundled(), confluent);
        byte[] release = topics.releaseRequests().valueSerde().serializer().serialize(topic, Samples.releaseRequest());

        // then
        assertThatThrownBy(() -> oldReader.deserialize(topic, release))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_RECORD_TYPE))
                .hasMessageContaining("ReleaseNumberRequest v1");
    }

    @Test
    void shouldRefuseATypeTheTopicDoesNotCarryNamingTheAcceptedTypes() {
        // given a violation published on the requests topic by mistake
        String topic = topics.requests().name();
        byte[] violation = topics.violations().valueSerde().serializer().serialize(topic, Samples.resolvedViolation());

        // then
        assertThatThrownBy(() -> topics.requests().valueSerde().deserializer().deserialize(topic, violation))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_RECORD_TYPE))
                .hasMessageContaining("[ProvisionNumberRequest, ReleaseNumberRequest]")
                .hasMessageContaining("SsotViolation");
    }

    @Test
    void shouldReadBothEventTypesOfTheEventLog() {
        // given
        String topic = topics.numberEvents().name();
        byte[] provisioned = topics.numbersProvisioned().valueSerde().serializer().serialize(topic, Samples.numberProvisioned());
        byte[] released = topics.numbersReleased().valueSerde().serializer().serialize(topic, Samples.numberReleased());

        // then
        var reader = topics.numberEvents().valueSerde().deserializer();
        assertThat(reader.deserialize(topic, provisioned)).isEqualTo(Samples.numberProvisioned());
        assertThat(reader.deserialize(topic, released)).isEqualTo(Samples.numberReleased());
        assertThat(reader.deserialize(topic, null)).isNull();
    }
}

package com.voxanne.ssot.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.voxanne.ssot.schemas.Samples;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;

class AvroSerdeTest {

    static Stream<SpecificRecord> samples() {
        return Samples.all().stream();
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> AvroSerde<T> serdeFor(T record) {
        return AvroSerde.of((Class<T>) record.getClass());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldRoundTripEveryContractRecord(SpecificRecord record) {
        // given
        AvroSerde<SpecificRecord> serde = serdeFor(record);

        // when
        byte[] bytes = serde.serializer().serialize("topic", record);
        SpecificRecord decoded = serde.deserializer().deserialize("topic", bytes);

        // then
        assertThat(decoded).isInstanceOf(record.getClass()).isEqualTo(record);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldWriteSingleObjectEncodingWithTheWriterSchemaFingerprint(SpecificRecord record) {
        // given
        AvroSerde<SpecificRecord> serde = serdeFor(record);
        long expectedFingerprint = SchemaNormalization.parsingFingerprint64(record.getSchema());

        // when
        byte[] bytes = serde.serialize("topic", record);

        // then: C3 01, 8-byte little-endian CRC-64-AVRO, then the Avro binary body
        assertThat(Arrays.copyOfRange(bytes, 0, 2)).containsExactly(0xC3, 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(expectedFingerprint);
        assertThat(serde.knownFingerprints()).contains(expectedFingerprint);
        assertThat(bytes.length).isGreaterThan(10);
    }

    @Test
    void shouldWriteTheExactBodyAfterTheHeader() {
        // given a record whose body is easy to spell out
        ProvisionNumberRequest request = ProvisionNumberRequest.newBuilder()
                .setEventId("e").setRequestId("r").setOrgId("o")
                .setRequestedAt(java.time.Instant.ofEpochMilli(1))
                .build();

        // when
        byte[] bytes = AvroSerde.of(ProvisionNumberRequest.class).serialize("t", request);

        // then: strings are zig-zag length + UTF-8, the default countryCode "US" is written,
        // null unions are branch 0, timestamp 1 ms is zig-zag 02
        assertThat(Arrays.copyOfRange(bytes, 10, bytes.length)).containsExactly(
                0x02, 'e', 0x02, 'r', 0x02, 'o', 0x04, 'U', 'S', 0x00, 0x00, 0x02);
    }

    @Test
    void shouldMapTombstonesToNullBothWays() {
        // given
        AvroSerde<NumberProvisioned> serde = AvroSerde.of(NumberProvisioned.class);

        // then
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void shouldSerializeConcurrentlyWithoutMixingRecords() throws Exception {
        // given
        AvroSerde<ProvisioningResult> serde = AvroSerde.of(ProvisioningResult.class);
        int threads = 4;
        int perThread = 500;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<Boolean>>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<List<Boolean>> work = () -> {
                    start.await();
                    List<Boolean> roundTrips = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        ProvisioningResult record = ProvisioningResult.newBuilder(Samples.failedResult())
                                .setRequestId("req-" + thread + "-" + i)
                                .setStatus(i % 2 == 0 ? ProvisioningStatus.SUCCEEDED : ProvisioningStatus.REJECTED)
                                .build();
                        byte[] bytes = serde.serialize("t", record);
                        roundTrips.add(record.equals(serde.deserialize("t", bytes)));
                    }
                    return roundTrips;
                };
                futures.add(pool.submit(work));
            }

            // when
            start.countDown();

            // then
            for (Future<List<Boolean>> future : futures) {
                assertThat(future.get(30, TimeUnit.SECONDS)).hasSize(perThread).containsOnly(true);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFailLoudlyWhenARequiredFieldIsMissing() {
        // given a record built without the builder's checks
        NumberProvisioned incomplete = new NumberProvisioned();
        incomplete.setEventId("e");

        // when / then
        assertThatThrownBy(() -> AvroSerde.of(NumberProvisioned.class).serialize("telephony.numbers.provisioned", incomplete))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot encode NumberProvisioned for topic 'telephony.numbers.provisioned'");
    }

    @Test
    void shouldRefuseAWriterSchemaThatCannotBeReadAsTheRecord() {
        // given a schema of another record
        var foreign = ProvisionNumberRequest.getClassSchema();

        // when / then
        assertThatThrownBy(() -> AvroSerde.withWriterSchemas(NumberProvisioned.class, List.of(foreign)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be read as " + NumberProvisioned.class.getName());
    }
}

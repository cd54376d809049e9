package com.voxanne.ssot.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.voxanne.ssot.schemas.Samples;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException.Reason;

class UndecodableRecordsTest {

    private static final String TOPIC = "telephony.numbers.provisioned";

    private final AvroSerde<NumberProvisioned> serde = AvroSerde.of(NumberProvisioned.class);
    private final byte[] valid = serde.serialize(TOPIC, Samples.numberProvisioned());

    private UndecodableRecordException decodeFailure(byte[] bytes) {
        return catchThrowableOfType(UndecodableRecordException.class, () -> serde.deserialize(TOPIC, bytes));
    }

    @Test
    void shouldRejectArbitraryBytesAsNotSingleObjectEncoded() {
        // given
        byte[] bytes = new byte[32];
        new Random(42).nextBytes(bytes);
        bytes[0] = 0x7B; // neither the Confluent magic byte nor the C3 marker

        // when
        UndecodableRecordException e = decodeFailure(bytes);

        // then
        assertThat(e.reason()).isEqualTo(Reason.NOT_SINGLE_OBJECT_ENCODING);
        assertThat(e.getMessage()).contains("neither the Confluent wire format", "C3 01", TOPIC);
        assertThat(e.rawBytes()).isEqualTo(bytes);
        assertThat(e.topic()).isEqualTo(TOPIC);
    }

    @Test
    void shouldRejectATruncatedRecord() {
        // given
        byte[] truncated = Arrays.copyOf(valid, valid.length - 3);

        // when
        UndecodableRecordException e = decodeFailure(truncated);

        // then
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT_BODY);
        assertThat(e.getMessage()).contains("truncated or corrupt", "NumberProvisioned");
        assertThat(e.rawBytes()).isEqualTo(truncated);
    }

    @Test
    void shouldRejectAHeaderWithoutABody() {
        // when
        UndecodableRecordException e = decodeFailure(Arrays.copyOf(valid, 10));

        // then
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT_BODY);
    }

    @Test
    void shouldRejectACorruptLengthPrefixWithoutAllocatingIt() {
        // given a valid header followed by a string length of about one billion bytes
        byte[] bytes = Arrays.copyOf(valid, 15);
        bytes[10] = (byte) 0xFE;
        bytes[11] = (byte) 0xFF;
        bytes[12] = (byte) 0xFF;
        bytes[13] = (byte) 0xFF;
        bytes[14] = 0x07;

        // when
        UndecodableRecordException e = decodeFailure(bytes);

        // then: a typed failure, not an OutOfMemoryError
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT_BODY);
        assertThat(e.getMessage()).contains("truncated or corrupt");
    }

    @Test
    void shouldRejectTrailingBytesAfterTheRecord() {
        // given
        byte[] bytes = Arrays.copyOf(valid, valid.length + 2);

        // when
        UndecodableRecordException e = decodeFailure(bytes);

        // then
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT_BODY);
        assertThat(e.getMessage()).contains("trailing bytes");
    }

    @Test
    void shouldSayWhenBytesAreInConfluentWireFormat() {
        // given magic byte 0, schema id 42, then an Avro body
        byte[] bytes = new byte[5 + valid.length - 10];
        ByteBuffer.wrap(bytes).put((byte) 0).putInt(42).put(valid, 10, valid.length - 10);

        // when
        UndecodableRecordException e = decodeFailure(bytes);

        // then
        assertThat(e.reason()).isEqualTo(Reason.CONFLUENT_WIRE_FORMAT);
        assertThat(e.getMessage()).contains("Confluent", "schema id 42", "SCHEMA_REGISTRY_URL");
        assertThat(e.rawBytes()).isEqualTo(bytes);
    }

    @Test
    void shouldRejectAnUnknownSchemaFingerprint() {
        // given a valid body behind the fingerprint of a schema nobody ships
        byte[] bytes = valid.clone();
        ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0123456789abcdefL);

        // when
        UndecodableRecordException e = decodeFailure(bytes);

        // then
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA_FINGERPRINT);
        assertThat(e.getMessage()).contains("0123456789abcdef", "not a known version of");
        assertThat(e.rawBytes()).isEqualTo(bytes);
    }

    @Test
    void shouldNameTheRecordTypeWhenBytesBelongToAnotherTopic() {
        // given a NumberProvisioned read by the ProvisioningResult serde
        AvroSerde<ProvisioningResult> results = AvroSerde.of(ProvisioningResult.class);

        // when
        UndecodableRecordException e = catchThrowableOfType(UndecodableRecordException.class,
                () -> results.deserialize("telephony.provisioning.results", valid));

        // then
        assertThat(e.reason()).isEqualTo(Reason.WRONG_RECORD_TYPE);
        assertThat(e.getMessage()).contains("bytes are a NumberProvisioned v", "expected ProvisioningResult");
    }

    @Test
    void shouldRejectAnEmptyPayloadThatIsNotATombstone() {
        // when
        UndecodableRecordException e = decodeFailure(new byte[0]);

        // then
        assertThat(e.reason()).isEqualTo(Reason.EMPTY_PAYLOAD);
        assertThat(e.getMessage()).contains("empty payload", "tombstone is null");
        assertThat(e.rawBytes()).isEmpty();
    }

    @Test
    void shouldKeepAPrivateCopyOfTheRawBytes() {
        // given
        byte[] bytes = Arrays.copyOf(valid, valid.length - 1);
        byte[] original = bytes.clone();
        UndecodableRecordException e = decodeFailure(bytes);

        // when the caller and a reader of the exception both scribble on their arrays
        Arrays.fill(bytes, (byte) 0);
        Arrays.fill(e.rawBytes(), (byte) 0);

        // then
        assertThat(e.rawBytes()).isEqualTo(original);
    }

    @Test
    void shouldNeverReturnNullOrAnUntypedFailureForArbitraryInput() {
        // given many random payloads, half of them behind a valid header
        Random random = new Random(7);
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[random.nextInt(80)];
            random.nextBytes(bytes);
            if (i % 2 == 0 && bytes.length >= 10) {
                System.arraycopy(valid, 0, bytes, 0, 10);
            }

            // when
            try {
                NumberProvisioned record = serde.deserialize(TOPIC, bytes);
                // then: whatever decodes is a record, never null
                assertThat(record).isNotNull();
                decoded++;
            } catch (UndecodableRecordException e) {
                assertThat(e.rawBytes()).isEqualTo(bytes);
                rejected++;
            }
        }
        assertThat(decoded + rejected).isEqualTo(5_000);
        assertThat(rejected).isPositive();
    }
}

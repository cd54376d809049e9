package com.voxanne.ssot.projector.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
    private static final String ORG = "46cf2995-2bee-44e3-838b-24151486fe4e";
    private final EventValidator validator = new EventValidator();

    private static NumberProvisioned.Builder valid() {
        return NumberProvisioned.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setRequestId("req-1")
                .setOrgId(ORG)
                .setPhoneNumber("+14158497226")
                .setTwilioSid("PNc2d8a05783ed259b14175ae78f0cd560")
                .setVapiPhoneId("55976957-887d-44a4-8c79-6a02d4c91aa1")
                .setProvisionedAt(Instant.parse("2026-02-09T23:33:02Z"));
    }

    @Test
    void shouldTurnAValidEventIntoItsRowWithProvisionedAtAsVersion() {
        // given
        NumberProvisioned event = valid().build();

        // when
        ProjectedRow row = validator.validate(event);

        // then
        assertThat(row.orgId()).isEqualTo(UUID.fromString(ORG));
        assertThat(row.phoneNumber()).isEqualTo("+14158497226");
        assertThat(row.version()).isEqualTo(Instant.parse("2026-02-09T23:33:02Z").toEpochMilli());
        assertThat(row.eventId()).hasToString(event.getEventId());
    }

    @Test
    void shouldRejectBlankVapiPhoneId() {
        assertThatThrownBy(() -> validator.validate(valid().setVapiPhoneId("  ").build()))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("vapiPhoneId")
                .extracting(e -> ((InvalidEventException) e).field()).isEqualTo("vapiPhoneId");
    }

    @Test
    void shouldRejectPhoneNumberThatIsNotE164() {
        assertThatThrownBy(() -> validator.validate(valid().setPhoneNumber("4158497226").build()))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("E.164");
        assertThatThrownBy(() -> validator.validate(valid().setPhoneNumber("+0158497226").build()))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("E.164");
    }

    @Test
    void shouldRejectTwilioSidThatIsNotPnAnd32Hex() {
        assertThatThrownBy(() -> validator.validate(valid().setTwilioSid("PN123").build()))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("twilioSid");
        assertThatThrownBy(() -> validator.validate(valid().setTwilioSid("AC" + "0".repeat(32)).build()))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("twilioSid");
    }

    @Test
    void shouldAgreeWithTheDatabasePatternsOnEveryEdgeCase() {
        for (String phone : new String[] {"+1234567", "+123456", "+123456789012345", "+1234567890123456", "+0234567",
                "1234567", "+12345a7", "", "+", "++1234567"}) {
            assertThat(EventValidator.isE164(phone)).as(phone).isEqualTo(EventValidator.E164.matcher(phone).matches());
        }
        for (String sid : new String[] {"PN" + "a".repeat(32), "PN" + "A".repeat(32), "PN" + "g".repeat(32),
                "PN" + "a".repeat(31), "PN" + "a".repeat(33), "pn" + "a".repeat(32), "PX" + "0".repeat(32)}) {
            assertThat(EventValidator.isTwilioSid(sid)).as(sid).isEqualTo(EventValidator.TWILIO_SID.matcher(sid).matches());
        }
        assertThat(EventValidator.isCanonicalUuid(UUID.randomUUID().toString())).isTrue();
        assertThat(EventValidator.isCanonicalUuid(UUID.randomUUID().toString().toUpperCase())).isTrue();
        assertThat(EventValidator.isCanonicalUuid("46cf2995x2bee-44e3-838b-24151486fe4e")).isFalse();
        assertThat(EventValidator.isCanonicalUuid("46cf2995-2bee-44e3-838b-24151486fe4")).isFalse();
    }

    @Test
    void shouldRejectOrgIdOrEventIdThatIsNotAUuid() {
        assertThatThrownBy(() -> validator.validate(valid().setOrgId("voxanne@demo.com").build()))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("orgId must be a UUID");
        assertThatThrownBy(() -> validator.validate(valid().setEventId("1-2-3-4-5").build()))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("eventId must be a UUID");
    }
}

package com.voxanne.ssot.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class EventIdsTest {

    @Test
    void shouldGiveTheSameIdForTheSameRequestAndEventType() {
        // when
        String first = EventIds.forRequest("req-1", "NumberProvisioned");
        String second = EventIds.forRequest("req-1", "NumberProvisioned");

        // then
        assertThat(first).isEqualTo(second);
    }

    @Test
    void shouldGiveDifferentIdsForDifferentRequestsOrEventTypes() {
        // when
        String base = EventIds.forRequest("req-1", "NumberProvisioned");

        // then
        assertThat(EventIds.forRequest("req-2", "NumberProvisioned")).isNotEqualTo(base);
        assertThat(EventIds.forRequest("req-1", "ProvisioningResult")).isNotEqualTo(base);
    }

    @Test
    void shouldProduceVersion5IetfVariantUuids() {
        // when
        UUID id = UUID.fromString(EventIds.forRequest("req-1", "NumberProvisioned"));

        // then
        assertThat(id.version()).isEqualTo(5);
        assertThat(id.variant()).isEqualTo(2);
    }

    @Test
    void shouldMatchTheRfc4122Version5ReferenceValue() {
        // given the RFC 4122 DNS namespace and the well-known Python uuid5 example
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        // when
        UUID id = EventIds.v5(dns, "python.org".getBytes(StandardCharsets.UTF_8));

        // then
        assertThat(id).isEqualTo(UUID.fromString("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
    }

    @Test
    void shouldKeepTheDocumentedNamespaceAndNameEncodingStable() {
        // given the documented rule: v5(NAMESPACE, utf8(eventType) 0x00 utf8(requestId))
        byte[] name = "NumberProvisioned\0req-1".getBytes(StandardCharsets.UTF_8);

        // then: ids already stored on topics and in org_credentials.last_event_id stay valid
        assertThat(EventIds.NAMESPACE).isEqualTo(UUID.fromString("5529e46d-80a6-513b-a048-9452269bda15"));
        assertThat(EventIds.forRequest("req-1", "NumberProvisioned"))
                .isEqualTo(EventIds.v5(EventIds.NAMESPACE, name).toString());
    }

    @Test
    void shouldNotConfuseKeyPartBoundaries() {
        // when
        String ab = EventIds.of("SsotViolation", "a", "bc");
        String abc = EventIds.of("SsotViolation", "ab", "c");

        // then
        assertThat(ab).isNotEqualTo(abc);
    }

    @Test
    void shouldRejectPartsThatWouldMakeTheNameAmbiguous() {
        assertThatThrownBy(() -> EventIds.forRequest("req\0x", "NumberProvisioned"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("U+0000");
        assertThatThrownBy(() -> EventIds.forRequest(null, "NumberProvisioned"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be null");
        assertThatThrownBy(() -> EventIds.of(" ", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("eventType must not be blank");
    }
}

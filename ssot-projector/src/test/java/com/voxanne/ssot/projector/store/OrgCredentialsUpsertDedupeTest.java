package com.voxanne.ssot.projector.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OrgCredentialsUpsertDedupeTest {
    private static final UUID ORG = UUID.fromString("46cf2995-2bee-44e3-838b-24151486fe4e");

    private static ProjectedRow row(String phone, long version, String eventId, String vapiId) {
        return new ProjectedRow(ORG, phone, vapiId, "PN" + "a".repeat(32), UUID.fromString(eventId), version, "req");
    }

    @Test
    void shouldKeepOnlyTheNewestEventPerKeyWhateverTheOrder() {
        // given
        ProjectedRow older = row("+14155550001", 100, "00000000-0000-0000-0000-000000000001", "old");
        ProjectedRow newer = row("+14155550001", 200, "00000000-0000-0000-0000-000000000002", "new");
        ProjectedRow other = row("+14155550002", 50, "00000000-0000-0000-0000-000000000003", "other");

        // when
        List<ProjectedRow> forward = OrgCredentialsUpsert.newestPerKey(List.of(older, newer, other));
        List<ProjectedRow> backward = OrgCredentialsUpsert.newestPerKey(List.of(other, newer, older));

        // then
        assertThat(forward).containsExactly(newer, other);
        assertThat(backward).containsExactly(newer, other);
    }

    @Test
    void shouldBreakVersionTiesByEventIdInPostgresUuidOrder() {
        // given: same version; 'f...' sorts after '0...' as unsigned bytes (a signed compare would say otherwise)
        ProjectedRow low = row("+14155550001", 100, "7fffffff-0000-0000-0000-000000000000", "low");
        ProjectedRow high = row("+14155550001", 100, "f0000000-0000-0000-0000-000000000000", "high");

        // when / then
        assertThat(high.supersedes(low)).isTrue();
        assertThat(low.supersedes(high)).isFalse();
        assertThat(OrgCredentialsUpsert.newestPerKey(List.of(high, low))).containsExactly(high);
        assertThat(low.supersedes(low)).isFalse();
    }
}

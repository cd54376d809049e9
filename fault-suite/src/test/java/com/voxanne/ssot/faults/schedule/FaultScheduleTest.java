package com.voxanne.ssot.faults.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.faults.inject.InputTopic;
import com.voxanne.ssot.faults.inject.MalformedKind;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {

    @Test
    void shouldPlanTheSameFaultsWhenTheSeedIsTheSame() {
        // given
        ScenarioSettings settings = ScenarioSettings.shortSetting();

        // when
        FaultSchedule first = FaultSchedule.plan(settings, 42L);
        FaultSchedule again = FaultSchedule.plan(settings, 42L);
        FaultSchedule other = FaultSchedule.plan(settings, 43L);

        // then
        assertThat(again.faults()).isEqualTo(first.faults());
        assertThat(other.faults()).isNotEqualTo(first.faults());
    }

    @Test
    void shouldInjectEveryKindAndEveryMalformedVariantWhenPlanningTheShortSetting() {
        // given
        ScenarioSettings settings = ScenarioSettings.shortSetting();

        // when
        FaultSchedule schedule = FaultSchedule.plan(settings, 7L);

        // then
        assertThat(schedule.countByKind().keySet()).containsExactlyInAnyOrderElementsOf(ScenarioSettings.allKinds());
        for (InputTopic topic : InputTopic.values()) {
            Set<MalformedKind> variants = schedule.faults().stream().filter(f -> f.kind() == topic.fault())
                    .map(PlannedFault::variant).collect(Collectors.toSet());
            assertThat(variants).as("malformed variants on %s", topic).containsExactlyInAnyOrderElementsOf(MalformedKind.forTopic(topic));
        }
        assertThat(schedule.faults()).extracting(PlannedFault::index).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, schedule.size()).boxed().toList());
    }

    @Test
    void shouldPlanHundredsOfFaultsWhenTheSettingIsLong() {
        // when
        FaultSchedule schedule = FaultSchedule.plan(ScenarioSettings.longSetting(), 1L);

        // then
        assertThat(schedule.size()).isGreaterThanOrEqualTo(300);
        assertThat(schedule.countByKind().get(FaultKind.RESTART_KAFKA)).isGreaterThanOrEqualTo(3);
        assertThat(schedule.faults()).noneMatch(f -> f.kind() == FaultKind.SSOT_LOSS);
    }

    @Test
    void shouldRejectAnUnknownSettingName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScenarioSettings.named("medium"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("short, long or smoke");
    }
}

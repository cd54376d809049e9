package com.voxanne.ssot.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.serde.AvroSerde;

class TopicsTest {

    @Test
    void shouldUseTheContractNamesByDefault() {
        // when
        Topics topics = Topics.defaults();

        // then
        assertThat(topics.provisioningRequests().name()).isEqualTo("telephony.provisioning.requests");
        assertThat(topics.provisioningResults().name()).isEqualTo("telephony.provisioning.results");
        assertThat(topics.numbersProvisioned().name()).isEqualTo("telephony.numbers.provisioned");
        assertThat(topics.violations().name()).isEqualTo("ssot.violations");
        assertThat(topics.cdcManagedNumbers().name()).isEqualTo("cdc.managed_phone_numbers");
        assertThat(topics.cdcOrgCredentials().name()).isEqualTo("cdc.org_credentials");
        assertThat(topics.names()).containsOnlyKeys(Topics.ids());
    }

    @Test
    void shouldNameTheDeadLetterTopicAfterTheTopic() {
        assertThat(Topics.defaults().numbersProvisioned().dlq()).isEqualTo("telephony.numbers.provisioned.dlq");
        assertThat(Topics.defaults().provisioningRequests().dlq()).isEqualTo("telephony.provisioning.requests.dlq");
    }

    @Test
    void shouldCarryTypedSerdesForEveryTopic() {
        // given
        Topics topics = Topics.defaults();

        // when
        AvroSerde<?> serde = (AvroSerde<?>) topics.numbersProvisioned().valueSerde();

        // then
        assertThat(serde.type()).isEqualTo(NumberProvisioned.class);
        assertThat(topics.numbersProvisioned().keySerde().deserializer().deserialize("t", "org-1".getBytes()))
                .isEqualTo("org-1");
        assertThat(topics.cdcOrgCredentials().valueSerde().deserializer().deserialize("t", "{\"a\":1}".getBytes()))
                .isEqualTo("{\"a\":1}");
    }

    @Test
    void shouldOverrideOnlyTheGivenNames() {
        // when
        Topics topics = Topics.withNames(Map.of(
                Topics.PROVISIONING_REQUESTS, "acme.provisioning.requests",
                Topics.VIOLATIONS, "acme.ssot.violations"));

        // then
        assertThat(topics.names()).contains(
                entry(Topics.PROVISIONING_REQUESTS, "acme.provisioning.requests"),
                entry(Topics.VIOLATIONS, "acme.ssot.violations"),
                entry(Topics.NUMBERS_PROVISIONED, "telephony.numbers.provisioned"));
        assertThat(topics.byId(Topics.VIOLATIONS)).isSameAs(topics.violations());
        assertThat(topics.violations().dlq()).isEqualTo("acme.ssot.violations.dlq");
    }

    @Test
    void shouldNameTheEnvironmentVariableOfEveryTopicId() {
        assertThat(Topics.envVarName(Topics.PROVISIONING_REQUESTS)).isEqualTo("TOPIC_PROVISIONING_REQUESTS");
        assertThat(Topics.ids()).map(Topics::envVarName).containsExactly(
                "TOPIC_PROVISIONING_REQUESTS", "TOPIC_PROVISIONING_RESULTS", "TOPIC_NUMBERS_PROVISIONED",
                "TOPIC_VIOLATIONS", "TOPIC_CDC_MANAGED_NUMBERS", "TOPIC_CDC_ORG_CREDENTIALS");
    }

    @Test
    void shouldRejectUnknownIdsIllegalNamesAndCollisions() {
        assertThatThrownBy(() -> Topics.withNames(Map.of("PROVISIONING_REQUEST", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown topic id 'PROVISIONING_REQUEST'")
                .hasMessageContaining(Topics.PROVISIONING_REQUESTS);
        assertThatThrownBy(() -> Topics.withNames(Map.of(Topics.VIOLATIONS, "ssot violations")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TOPIC_VIOLATIONS")
                .hasMessageContaining("illegal topic name 'ssot violations'");
        assertThatThrownBy(() -> Topics.withNames(Map.of(Topics.VIOLATIONS, "telephony.numbers.provisioned")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would share the name 'telephony.numbers.provisioned'");
        assertThatThrownBy(() -> Topics.withNames(Map.of(Topics.VIOLATIONS, "telephony.numbers.provisioned.dlq")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would share the name 'telephony.numbers.provisioned.dlq'");
    }

    @Test
    void shouldBeImmutable() {
        // given
        Map<String, String> overrides = new HashMap<>(Map.of(Topics.VIOLATIONS, "acme.violations"));
        Topics topics = Topics.withNames(overrides);

        // when the caller changes its map afterwards
        overrides.put(Topics.VIOLATIONS, "changed");

        // then
        assertThat(topics.violations().name()).isEqualTo("acme.violations");
        assertThatThrownBy(() -> topics.all().remove(Topics.VIOLATIONS))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> topics.names().put(Topics.VIOLATIONS, "x"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Topics.DEFAULT_NAMES.put(Topics.VIOLATIONS, "x"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(Topics.defaults().violations().name()).isEqualTo("ssot.violations");
    }

    @Test
    void shouldRejectATopicWithoutSerdesOrWithAnIllegalName() {
        assertThatThrownBy(() -> new Topic<>("ok.name", null, Serdes.String()))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("keySerde of topic ok.name");
        assertThatThrownBy(() -> new Topic<>("..", Serdes.String(), Serdes.String()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("illegal topic name '..'");
    }

    @Test
    void shouldBuildCompositeOrgNumberKeys() {
        assertThat(Topics.orgNumberKey("org-1", "+14155550123")).isEqualTo("org-1|+14155550123");
    }
}

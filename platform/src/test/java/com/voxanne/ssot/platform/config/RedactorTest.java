package com.voxanne.ssot.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {

    private final Redactor redactor = Redactor.of(List.of(Secret.of("tw-token-SECRET-123"), Secret.of("vapi-key-SECRET-456")));

    @Test
    void shouldMaskKnownSecretValuesAnywhereInText() {
        String out = redactor.redact("POST failed: token=tw-token-SECRET-123 key vapi-key-SECRET-456!");

        assertThat(out).doesNotContain("tw-token-SECRET-123", "vapi-key-SECRET-456").contains("****");
    }

    @Test
    void shouldMaskCredentialShapesEvenWhenTheValueIsUnknown() {
        assertThat(redactor.redact("Authorization: Bearer abc.def.ghi")).isEqualTo("Authorization: Bearer ****");
        assertThat(redactor.redact("jdbc:postgresql://u:pw123@db/x")).isEqualTo("jdbc:postgresql://u:****@db/x");
        assertThat(redactor.redact("password=letmein&user=x")).isEqualTo("password=****&user=x");
        assertThat(redactor.redact("{\"twilioAuthToken\": \"zzz\"}")).doesNotContain("zzz");
    }

    @Test
    void shouldDescribeAThrowableChainWithoutItsSecrets() {
        Exception e = new IllegalStateException("outer", new RuntimeException("inner tw-token-SECRET-123"));

        assertThat(redactor.describe(e))
                .startsWith("IllegalStateException: outer <- RuntimeException: inner")
                .doesNotContain("tw-token-SECRET-123");
    }

    @Test
    void shouldPrintSecretAsMask() {
        assertThat(Secret.of("hunter2").toString()).isEqualTo("****");
        assertThat(Secret.of("hunter2").reveal()).isEqualTo("hunter2");
    }
}

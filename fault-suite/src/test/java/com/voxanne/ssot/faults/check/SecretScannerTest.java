package com.voxanne.ssot.faults.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.faults.system.FakeSecrets;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretScannerTest {
    private final FakeSecrets secrets = FakeSecrets.generate();
    private final SecretScanner scanner = new SecretScanner(secrets.all());

    @Test
    void shouldFindASecretAndMaskItInTheExcerpt() {
        // given
        String line = "calling Vapi with Authorization: Bearer " + secrets.vapiApiKey() + " failed";

        // when / then
        assertThat(scanner.leaks(line)).isTrue();
        assertThat(scanner.excerpt(line)).get().asString().contains("<FAKE-SECRET>").doesNotContain(secrets.vapiApiKey())
                .doesNotContain(FakeSecrets.MARKER);
    }

    @Test
    void shouldFindATruncatedSecretInBytes() {
        // given: only the start of the token survived a truncation
        byte[] bytes = ("{\"error\":\"bad token " + secrets.twilioAuthToken().substring(0, 20) + "...\"}").getBytes(StandardCharsets.UTF_8);

        // when / then
        assertThat(scanner.leaks(bytes)).isTrue();
    }

    @Test
    void shouldFindNothingInARedactedLine() {
        assertThat(scanner.leaks("password=**** token=****")).isFalse();
        assertThat(scanner.excerpt("nothing here")).isEmpty();
        assertThat(secrets.toString()).doesNotContain(secrets.databasePassword());
    }
}

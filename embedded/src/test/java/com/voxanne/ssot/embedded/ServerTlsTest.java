package com.voxanne.ssot.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsTest {

    @Test
    void shouldNameEveryMissingFileAndTheScriptThatMakesThem(@TempDir Path dir) throws Exception {
        // given a directory with only the CA certificate
        Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----");

        // then loading it fails, naming each missing file and the fix
        assertThatThrownBy(() -> ServerTls.fromDirectory(dir))
                .isInstanceOf(EmbeddedStackException.class)
                .hasMessageContaining("server.crt, server.key, server.p12, server.p12.password")
                .hasMessageContaining("scripts/make-certs.sh")
                .hasMessageNotContaining("ca.crt,");
    }

    @Test
    void shouldReadTheKeystorePasswordFromItsFileAndNeverShowItInToString(@TempDir Path dir) throws Exception {
        // given the files the script writes
        for (String f : new String[] {"ca.crt", "server.crt", "server.key", "server.p12"}) {
            Files.writeString(dir.resolve(f), "x");
        }
        Files.writeString(dir.resolve("server.p12.password"), "s3cret-from-file\n");

        ServerTls tls = ServerTls.fromDirectory(dir);

        // then the password is read (trimmed) only when asked, and the record prints paths only
        assertThat(tls.keystorePassword()).isEqualTo("s3cret-from-file");
        assertThat(tls.toString()).contains("server.p12.password").doesNotContain("s3cret-from-file");
        assertThat(tls.caCertificate()).isEqualTo(dir.resolve("ca.crt").toAbsolutePath().normalize());
    }
}

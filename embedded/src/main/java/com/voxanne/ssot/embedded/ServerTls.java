package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The files a server needs to speak TLS, in the layout {@code scripts/make-certs.sh DIR} writes: the CA certificate
 * clients trust, the server's certificate chain and key (PEM, for PostgreSQL), and the same key and chain as a PKCS12
 * keystore whose password is in a file of its own (for Kafka).
 *
 * <p>Only paths are held: the keystore password is read from its file when a broker's configuration is built, so no
 * secret sits in this record, its {@code toString} or a log line.
 *
 * @param caCertificate         {@code ca.crt}: what clients trust (PEM)
 * @param certificateChain      {@code server.crt}: server certificate then CA (PEM)
 * @param privateKey            {@code server.key}: the server's key (PEM, mode 0600: PostgreSQL refuses a readable key)
 * @param keystore              {@code server.p12}: key and chain for the Kafka broker (PKCS12)
 * @param keystorePasswordFile  {@code server.p12.password}: the keystore's password, one line
 */
public record ServerTls(Path caCertificate, Path certificateChain, Path privateKey, Path keystore, Path keystorePasswordFile) {
    public ServerTls {
        caCertificate = absolute(caCertificate, "caCertificate");
        certificateChain = absolute(certificateChain, "certificateChain");
        privateKey = absolute(privateKey, "privateKey");
        keystore = absolute(keystore, "keystore");
        keystorePasswordFile = absolute(keystorePasswordFile, "keystorePasswordFile");
    }

    /**
     * The files {@code scripts/make-certs.sh dir} made.
     *
     * @throws EmbeddedStackException naming every file that is missing
     */
    public static ServerTls fromDirectory(Path dir) {
        ServerTls tls = new ServerTls(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"),
                dir.resolve("server.p12"), dir.resolve("server.p12.password"));
        List<String> missing = new ArrayList<>();
        for (Path p : List.of(tls.caCertificate, tls.certificateChain, tls.privateKey, tls.keystore, tls.keystorePasswordFile)) {
            if (!Files.isRegularFile(p)) {
                missing.add(p.getFileName().toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new EmbeddedStackException("TLS directory " + dir.toAbsolutePath() + " lacks " + String.join(", ", missing)
                    + " (make them with scripts/make-certs.sh " + dir + ")");
        }
        return tls;
    }

    /** The keystore password, read now from its file; pass it only to the broker's configuration, never to a log. */
    String keystorePassword() {
        try {
            String password = Files.readString(keystorePasswordFile, StandardCharsets.UTF_8).strip();
            if (password.isEmpty()) {
                throw new EmbeddedStackException("keystore password file " + keystorePasswordFile + " is empty");
            }
            return password;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the keystore password file " + keystorePasswordFile, e);
        }
    }

    private static Path absolute(Path p, String name) {
        return Objects.requireNonNull(p, name).toAbsolutePath().normalize();
    }
}

package com.voxanne.ssot.faults.system;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * Recognisable fake secrets for one run: the simulated Twilio's auth token, the simulated Vapi's API key, the
 * database password and the status server's tokens all start with {@link #MARKER}, so a leak anywhere (a log line, an event, a dead-letter header,
 * an exception message, a command's output), even a truncated one, is found by searching for the marker.
 */
public record FakeSecrets(String twilioAuthToken, String vapiApiKey, String databasePassword, String httpToken,
                          String metricsToken) {
    /** The prefix of every fake secret; it must never be seen outside the systems the secrets are meant for. */
    public static final String MARKER = "SECRET-FAULTSUITE";

    public static FakeSecrets generate() {
        SecureRandom random = new SecureRandom();
        return new FakeSecrets(MARKER + "-TWILIO-" + hex(random), MARKER + "-VAPI-" + hex(random), MARKER + "-DB-" + hex(random),
                MARKER + "-HTTP-" + hex(random), MARKER + "-METRICS-" + hex(random));
    }

    public List<String> all() {
        return List.of(twilioAuthToken, vapiApiKey, databasePassword, httpToken, metricsToken);
    }

    private static String hex(SecureRandom random) {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public String toString() {
        return "FakeSecrets[5 values starting with " + MARKER + "]";
    }
}

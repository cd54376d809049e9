package com.voxanne.ssot.platform.http;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.Secret;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may read the status server, decided once at start.
 *
 * <ul>
 *   <li>Bound beyond loopback, the server does not start without {@code SSOT_HTTP_TOKEN}: what it serves (per-org
 *       compliance, violations, saga errors) is not for the whole network.</li>
 *   <li>With a token, every route except {@code /health} and the status page's static shell (no data in it) needs
 *       {@code Authorization: Bearer <token>}; {@code /metrics} also accepts {@code SSOT_METRICS_TOKEN}, so a
 *       Prometheus scrape needs no access to the data routes.</li>
 *   <li>Bound to loopback, only requests whose {@code Host} names loopback are answered: a page on another site that
 *       rebinds its DNS name to 127.0.0.1 cannot read this machine's status server from a developer's browser.</li>
 * </ul>
 *
 * @param host         SSOT_HTTP_HOST
 * @param port         SSOT_HTTP_PORT (0: any free port)
 * @param token        SSOT_HTTP_TOKEN
 * @param metricsToken SSOT_METRICS_TOKEN
 */
public record HttpAccess(String host, int port, Optional<Secret> token, Optional<Secret> metricsToken) {
    public HttpAccess {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(metricsToken, "metricsToken");
    }

    /** Loopback only, no token: a developer's machine, a test. */
    public static HttpAccess loopback(int port) {
        return new HttpAccess("127.0.0.1", port, Optional.empty(), Optional.empty());
    }

    public HttpAccess withToken(Secret token) {
        return new HttpAccess(host, port, Optional.of(token), metricsToken);
    }

    public HttpAccess withMetricsToken(Secret metricsToken) {
        return new HttpAccess(host, port, token, Optional.of(metricsToken));
    }

    /** True for a name that can only mean this machine: {@code localhost}, 127.0.0.0/8 or ::1 (no DNS lookup). */
    public static boolean namesLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        return h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** The configuration check: a server reachable beyond this machine needs a token. */
    public void requireTokenBeyondLoopback() {
        if (!namesLoopback(host) && token.isEmpty()) {
            throw new ConfigException("SSOT_HTTP_HOST=" + host + " publishes the status server beyond this machine: set"
                    + " SSOT_HTTP_TOKEN (a secret; every route but /health then needs 'Authorization: Bearer <token>')"
                    + " or bind 127.0.0.1");
        }
    }

    /** The same check on the address actually bound (a name may resolve to a public address). */
    void requireTokenBeyondLoopback(InetAddress bound) {
        if (!bound.isLoopbackAddress() && token.isEmpty()) {
            throw new ConfigException("SSOT_HTTP_HOST=" + host + " binds " + bound.getHostAddress() + ", beyond this machine:"
                    + " set SSOT_HTTP_TOKEN (a secret) or bind 127.0.0.1");
        }
    }

    /** Whether an {@code Authorization} header value carries the token (or, for metrics, the metrics token). */
    boolean admits(String authorization, boolean metrics) {
        if (token.isEmpty() && (!metrics || metricsToken.isEmpty())) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        boolean admitted = token.map(t -> sameBytes(presented, t)).orElse(false);
        if (metrics) {
            admitted |= metricsToken.map(t -> sameBytes(presented, t)).orElse(false);
        }
        return admitted;
    }

    /** Constant time: how much of a token matched is not told by how long the answer took. */
    private static boolean sameBytes(byte[] presented, Secret expected) {
        return MessageDigest.isEqual(presented, expected.reveal().getBytes(StandardCharsets.UTF_8));
    }

    /** For a server bound to loopback: whether the request's Host header names loopback (absent: HTTP/1.0, allowed). */
    static boolean hostAllowedOnLoopback(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return true;
        }
        String h = hostHeader.trim();
        int colon = h.lastIndexOf(':');
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(0, close + 1);
        } else if (colon > 0 && h.indexOf(':') == colon) {
            h = h.substring(0, colon);
        }
        return namesLoopback(h);
    }

    @Override
    public String toString() {
        return "HttpAccess[host=" + host + ", port=" + port + ", token=" + (token.isPresent() ? "set" : "none")
                + ", metricsToken=" + (metricsToken.isPresent() ? "set" : "none") + "]";
    }
}

package com.voxanne.ssot.reconciler.query;

import com.fasterxml.jackson.databind.JavaType;
import com.voxanne.ssot.platform.http.StatusServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Asks another reconciler instance for its local part of an answer ({@code ?scope=local}) over its status server,
 * with the caller's own {@code Authorization} header (the instances of one deployment share SSOT_HTTP_TOKEN). Short,
 * bounded timeouts: a peer that does not answer in time is a missing part, not a hanging request.
 */
final class PeerClient {
    static final String SCOPE_PARAMETER = "scope";
    static final String LOCAL_SCOPE = "local";

    private final HttpClient http;
    private final Duration timeout;

    PeerClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * @param instance      the peer's {@code host:port}
     * @param path          the route, e.g. {@code /api/violations}
     * @param query         the caller's raw query string (null for none); {@code scope=local} is added
     * @param authorization the caller's Authorization header, forwarded as is (null: none); never logged
     * @return the peer's part, or a future failed with {@link PeerUnavailableException}
     */
    <T> CompletableFuture<LocalPart<T>> localPart(String instance, String path, String query, String authorization, JavaType partType) {
        String scoped = (query == null || query.isEmpty() ? "" : query + "&") + SCOPE_PARAMETER + "=" + LOCAL_SCOPE;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + instance + path + "?" + scoped))
                .timeout(timeout).header("Accept", "application/json").GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error.getCause() != null ? error.getCause() : error;
                        throw new PeerUnavailableException("no answer within " + timeout.toMillis() + " ms ("
                                + cause.getClass().getSimpleName() + ")");
                    }
                    if (response.statusCode() != 200) {
                        throw new PeerUnavailableException("answered " + response.statusCode() + ": " + errorOf(response.body()));
                    }
                    try {
                        return StatusServer.JSON.readValue(response.body(), partType);
                    } catch (IOException e) {
                        throw new PeerUnavailableException("answered something that is not a local part: " + e.getMessage());
                    }
                });
    }

    private static String errorOf(String body) {
        try {
            var error = StatusServer.JSON.readTree(body).get("error");
            return error == null ? "(no reason given)" : error.asText();
        } catch (IOException e) {
            return "(no reason given)";
        }
    }

    /** A peer's part is missing: why, in words fit for the answer (no header, no token). */
    static final class PeerUnavailableException extends RuntimeException {
        PeerUnavailableException(String reason) {
            super(reason);
        }
    }
}

package com.voxanne.ssot.cli.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.reconciler.query.EpisodeView;
import com.voxanne.ssot.reconciler.query.QueryRoutes;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fetches one organisation's compliance timeline from a running reconciler ({@code GET /api/timeline?org=} on its
 * status server), for {@code ./ssot check}. The timeline lives in the reconciler's state stores, not in PostgreSQL,
 * so it is only there while a reconciler runs; every way of not getting it is an {@link Unavailable} with the reason,
 * never an exception: the check's verdict does not depend on it.
 */
public final class ReconcilerTimeline {
    /** The status server's base URL: announced by {@code ./ssot up}, or exported for a stack run elsewhere. */
    public static final String STATUS_URL = "STATUS_URL";
    private static final ObjectReader EPISODE = StatusServer.JSON.readerFor(EpisodeView.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What the fetch found. */
    public sealed interface Result permits Available, Unavailable {
    }

    /** The org's episodes, newest first. */
    public record Available(List<EpisodeView> episodes) implements Result {
        public Available {
            episodes = List.copyOf(episodes);
        }
    }

    /** Why there is no timeline (said to the user as is: never carries the token). */
    public record Unavailable(String reason) implements Result {
    }

    private final HttpClient http;
    private final Duration timeout;

    public ReconcilerTimeline(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * @param statusUrl the status server's base URL, empty when none is known
     * @param token     SSOT_HTTP_TOKEN, sent as a bearer token when set
     */
    public Result fetch(Optional<String> statusUrl, Optional<Secret> token, String orgId) {
        if (statusUrl.isEmpty() || statusUrl.get().isBlank()) {
            return new Unavailable("no running reconciler found (start `./ssot up`, or set " + STATUS_URL
                    + " to the status URL of the stack's reconciler)");
        }
        String base = statusUrl.get().trim();
        URI uri;
        try {
            uri = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + QueryRoutes.TIMELINE_PATH
                    + "?org=" + URLEncoder.encode(orgId, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return new Unavailable(STATUS_URL + " is not a URL: '" + base + "'");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        token.filter(t -> !t.isEmpty()).ifPresent(t -> request.header("Authorization", "Bearer " + t.reveal()));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            return new Unavailable("the reconciler at " + base + " did not answer within " + timeout.toSeconds() + "s");
        } catch (IOException e) {
            return new Unavailable("no reconciler answers at " + base + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unavailable("interrupted while asking the reconciler at " + base);
        }
        return read(base, response);
    }

    private static Result read(String base, HttpResponse<String> response) {
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            return new Unavailable("the reconciler at " + base + " refused the request (HTTP " + status
                    + "): set SSOT_HTTP_TOKEN to the stack's token");
        }
        if (status == 404) {
            return new Unavailable("the status server at " + base + " serves no timeline (HTTP 404): no reconciler runs"
                    + " in that process, or it predates the timeline");
        }
        try {
            JsonNode body = StatusServer.JSON.readTree(response.body());
            if (status != 200) {
                String error = body != null && body.hasNonNull("error") ? body.get("error").asText() : "no reason given";
                return new Unavailable("the reconciler at " + base + " answered HTTP " + status + ": " + error);
            }
            JsonNode episodes = body == null ? null : body.get("episodes");
            if (episodes == null || !episodes.isArray()) {
                return new Unavailable("the reconciler at " + base + " answered without an 'episodes' list");
            }
            List<EpisodeView> out = new ArrayList<>(episodes.size());
            for (JsonNode e : episodes) {
                out.add(EPISODE.readValue(e));
            }
            return new Available(out);
        } catch (IOException e) {
            return new Unavailable("the reconciler at " + base + " answered HTTP " + status + " with a body that is not"
                    + " the timeline's JSON (" + e.getClass().getSimpleName() + ")");
        }
    }
}

package com.voxanne.ssot.provisioner.twilio;

import com.twilio.constant.EnumConstants;
import com.twilio.exception.ApiConnectionException;
import com.twilio.http.HttpClient;
import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import com.twilio.http.Response;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * The HTTP transport twilio-java uses here, over {@code java.net.http}, with two differences from the SDK's own:
 * <ul>
 *   <li>It sends every request exactly ONCE. The SDK's {@code reliableRequest} resends any request, POST included,
 *       up to three times on a 5xx or no answer: a purchase could be made three times. The saga retries with
 *       backoff and reads back after an ambiguous failure instead.</li>
 *   <li>It rewrites {@code https://api.twilio.com} to a configurable base URL (the SDK hard-codes the host), so
 *       the same code talks to the real Twilio or to the local simulated one.</li>
 * </ul>
 * A timeout (of the whole exchange, body included) or connection failure surfaces as {@link ApiConnectionException},
 * which the vendor treats as ambiguous.
 */
public final class TwilioHttpClient extends HttpClient {
    private static final ThreadLocal<String> LAST_RETRY_AFTER = new ThreadLocal<>();
    private final java.net.http.HttpClient http;
    private final String baseUrl;
    private final Duration timeout;

    public TwilioHttpClient(URI baseUrl, Duration timeout) {
        String base = baseUrl.toString();
        this.baseUrl = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.timeout = timeout;
        this.http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                .build();
    }

    /** One attempt, never a retry: see the class comment. */
    @Override
    public Response reliableRequest(Request request) {
        return makeRequest(request);
    }

    /** One attempt, never a retry, whatever the SDK asks for. */
    @Override
    public Response reliableRequest(Request request, int[] retryCodes, int retries, long delayMillis) {
        return makeRequest(request);
    }

    @Override
    public Response makeRequest(Request request) {
        URI target = rewrite(request.constructURL());
        HttpRequest.Builder builder = HttpRequest.newBuilder(target)
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("User-Agent", "ssot-provisioner (twilio-java 13)");
        if (request.requiresAuthentication()) {
            builder.header("Authorization", request.getAuthString());
        }
        for (Map.Entry<String, List<String>> h : request.getHeaderParams().entrySet()) {
            for (String value : h.getValue()) {
                builder.header(h.getKey(), value);
            }
        }
        HttpMethod method = request.getMethod();
        if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
            boolean json = request.getContentType() == EnumConstants.ContentType.JSON;
            String body = json ? request.getBody() : request.encodeFormBody();
            builder.header("Content-Type", json ? "application/json" : "application/x-www-form-urlencoded");
            builder.method(method.toString(), HttpRequest.BodyPublishers.ofString(body == null ? "" : body, StandardCharsets.UTF_8));
        } else {
            builder.method(method.toString(), HttpRequest.BodyPublishers.noBody());
        }
        // The request timeout of java.net.http bounds the wait for the response HEADERS only; a body that trickles (or
        // stalls) could keep a purchase in flight past the saga's lease. The deadline here covers the whole exchange.
        CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(builder.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            // the SDK's ApiException drops the headers: keep Retry-After for the vendor on this (the calling) thread
            LAST_RETRY_AFTER.set(response.headers().firstValue("Retry-After").orElse(null));
            return new Response(response.body(), response.statusCode(), headers(response));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new ApiConnectionException(method + " " + target.getPath() + " got no complete answer within " + timeout.toMillis()
                    + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ApiConnectionException(method + " " + target.getPath() + " got no answer (" + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")", cause);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new ApiConnectionException(method + " " + target.getPath() + " interrupted", e);
        }
    }

    /** The Retry-After header of the last answer on this thread (then forgotten), null if it had none. */
    static String takeRetryAfter() {
        String v = LAST_RETRY_AFTER.get();
        LAST_RETRY_AFTER.remove();
        return v;
    }

    private URI rewrite(URL sdkUrl) {
        // the SDK builds https://{domain}.twilio.com/path?query; keep path and query, replace the origin
        return URI.create(baseUrl + sdkUrl.getFile());
    }

    private static Header[] headers(HttpResponse<String> response) {
        return response.headers().map().entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(v -> (Header) new BasicHeader(e.getKey(), v)))
                .toArray(Header[]::new);
    }
}

package com.voxanne.ssot.provisioner.twilio;

import com.twilio.constant.EnumConstants;
import com.twilio.exception.ApiConnectionException;
import com.twilio.http.HttpClient;
import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import com.twilio.http.Response;
import com.voxanne.ssot.provisioner.ProviderExchange;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
        // one deadline for the whole exchange, body included: a body that trickles could keep a purchase in flight past
        // the saga's lease (java.net.http's request timeout bounds only the wait for the headers)
        HttpResponse<String> response;
        try {
            response = ProviderExchange.send(http, builder.build(), timeout);
        } catch (HttpTimeoutException e) {
            throw new ApiConnectionException(method + " " + target.getPath() + " got no complete answer within " + timeout.toMillis()
                    + " ms", e);
        } catch (IOException e) {
            throw new ApiConnectionException(method + " " + target.getPath() + " got no answer (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiConnectionException(method + " " + target.getPath() + " interrupted", e);
        }
        // the SDK's ApiException drops the headers: keep Retry-After for the vendor on this (the calling) thread
        LAST_RETRY_AFTER.set(response.headers().firstValue("Retry-After").orElse(null));
        return new Response(response.body(), response.statusCode(), headers(response));
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

package com.voxanne.ssot.provisioner.vapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig.TwilioCredentials;
import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.ProviderExchange;
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
 * {@link VoiceAgentDirectory} over Vapi's REST API with {@code java.net.http} and Jackson: {@code POST /phone-number}
 * (provider twilio, with the Twilio credentials Vapi needs to route calls), {@code GET /v2/phone-number?search=},
 * {@code DELETE /phone-number/{id}}. Each request is sent once; a 4xx is permanent, anything else ambiguous. The
 * Twilio auth token travels only in the request body and never appears in an error message.
 */
public final class VapiDirectory implements VoiceAgentDirectory {
    static final String PROVIDER = "Vapi";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PAGE_LIMIT = 100;

    private final HttpClient http;
    private final String baseUrl;
    private final Secret apiKey;
    private final TwilioCredentials twilio;
    private final Duration timeout;
    private final Redactor redactor;

    public VapiDirectory(URI baseUrl, Secret apiKey, TwilioCredentials twilio, Duration timeout) {
        String base = baseUrl.toString();
        this.baseUrl = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.apiKey = apiKey;
        this.twilio = twilio;
        this.timeout = timeout;
        this.redactor = Redactor.of(List.of(apiKey, twilio.authToken()));
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public ImportedNumber importNumber(String e164, String name) throws ProviderException {
        ObjectNode body = JSON.createObjectNode()
                .put("provider", "twilio")
                .put("number", e164)
                .put("twilioAccountSid", twilio.accountSid())
                .put("twilioAuthToken", twilio.authToken().reveal())
                .put("name", name);
        String operation = "import " + e164;
        JsonNode answer = onCollection(operation, request("/phone-number").POST(publish(body)).header("Content-Type", "application/json"));
        return toImported(answer);
    }

    @Override
    public Optional<ImportedNumber> findByNumber(String e164) throws ProviderException {
        String path = "/v2/phone-number?search=" + URLEncoder.encode(e164, StandardCharsets.UTF_8) + "&limit=" + PAGE_LIMIT;
        JsonNode answer = onCollection("look up " + e164, request(path).GET());
        for (JsonNode item : results(answer)) {
            ImportedNumber n = toImported(item);
            if (e164.equals(n.number())) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean delete(String id) throws ProviderException {
        try {
            send("delete " + id, request("/phone-number/" + URLEncoder.encode(id, StandardCharsets.UTF_8)).DELETE());
            return true;
        } catch (ProviderException e) {
            if (e.httpStatus().orElse(0) == 404) {
                probe(); // a wrong VAPI_BASE_URL answers 404 too: that is not "already deleted"
                return false; // already deleted: compensation is idempotent
            }
            throw e;
        }
    }

    @Override
    public List<ImportedNumber> listAll() throws ProviderException {
        List<ImportedNumber> all = new ArrayList<>();
        for (int page = 1; ; page++) {
            JsonNode answer = onCollection("list numbers", request("/v2/phone-number?page=" + page + "&limit=" + PAGE_LIMIT).GET());
            List<JsonNode> items = results(answer);
            items.forEach(i -> all.add(toImported(i)));
            long total = answer.path("metadata").path("totalItems").asLong(all.size());
            if (items.isEmpty() || all.size() >= total) {
                return all;
            }
        }
    }

    /** One page of one number: the key works and the base URL is Vapi's. */
    @Override
    public void probe() throws ProviderException {
        onCollection("probe the API", request("/v2/phone-number?limit=1").GET());
    }

    /** A call on the phone-number collection, which always exists: a 404 there means VAPI_BASE_URL is wrong. */
    private JsonNode onCollection(String operation, HttpRequest.Builder builder) throws ProviderException {
        try {
            return send(operation, builder);
        } catch (ProviderException e) {
            if (e.httpStatus().orElse(0) == 404) {
                throw e.asConfiguration("the phone-number collection is not found: check VAPI_BASE_URL");
            }
            throw e;
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                .timeout(timeout)
                .header("Authorization", "Bearer " + apiKey.reveal())
                .header("Accept", "application/json");
    }

    private static HttpRequest.BodyPublisher publish(JsonNode body) {
        try {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a Vapi request body", e);
        }
    }

    private JsonNode send(String operation, HttpRequest.Builder builder) throws ProviderException {
        HttpResponse<String> response;
        // one deadline for the whole exchange, body included (the request timeout bounds only the wait for headers)
        try {
            response = ProviderExchange.send(http, builder.build(), timeout);
        } catch (HttpTimeoutException e) {
            throw ProviderException.ambiguous(PROVIDER, operation, 0, "no complete answer within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw ProviderException.ambiguous(PROVIDER, operation, 0, "no answer (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + redactor.redact(e.getMessage())) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProviderException.ambiguous(PROVIDER, operation, 0, "interrupted", e);
        }
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw ProviderException.fromStatus(PROVIDER, operation, status, describeError(response.body()))
                    .withRetryAfter(ProviderException.parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null),
                            java.time.Instant.now()).orElse(null));
        }
        String body = response.body();
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ProviderException.ambiguous(PROVIDER, operation, status, "answer is not JSON", e);
        }
    }

    /** Vapi errors look like {"message": ..., "error": ..., "statusCode": ...}; keep the message, redacted and short. */
    private String describeError(String body) {
        if (body == null || body.isBlank()) {
            return "no details";
        }
        String text;
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode message = node.path("message");
            text = message.isMissingNode() ? body : message.isArray() ? message.toString() : message.asText();
        } catch (JsonProcessingException e) {
            text = body;
        }
        text = redactor.redact(text);
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private static List<JsonNode> results(JsonNode answer) {
        JsonNode list = answer.isArray() ? answer : answer.path("results");
        List<JsonNode> items = new ArrayList<>();
        list.forEach(items::add);
        return items;
    }

    private static ImportedNumber toImported(JsonNode n) {
        return new ImportedNumber(text(n, "id"), text(n, "number"), text(n, "name"), text(n, "status"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

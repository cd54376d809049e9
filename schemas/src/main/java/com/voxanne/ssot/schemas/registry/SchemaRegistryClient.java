package com.voxanne.ssot.schemas.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A client of the Confluent Schema Registry REST API (v7), the API that Confluent Schema Registry, Apicurio
 * ({@code /apis/ccompat/v7}), Karapace and Redpanda all serve. It does only what the pipeline needs: register a schema
 * under a subject, fetch a schema by id, set and read a subject's compatibility level, test compatibility, list
 * subjects.
 *
 * <p>Answers are typed: the registry said no ({@link SchemaRegistryException}, with its own error code and message) is
 * different from the registry could not be asked ({@link SchemaRegistryUnavailableException}: no connection, a
 * timeout, a 5xx or 429), which callers retry and never treat as a verdict on the data.
 *
 * <p>Credentials (HTTP basic user info or a bearer token) go only into the {@code Authorization} header; no exception
 * or {@link #toString()} carries them, and a base URL with user info in it is refused. Thread-safe.
 */
public final class SchemaRegistryClient {

    /** How a request authenticates, if at all. */
    public sealed interface Auth {
        /** No {@code Authorization} header. */
        record None() implements Auth {
        }

        /** HTTP basic: {@code user:password}, as Confluent's {@code basic.auth.user.info}. */
        record Basic(String userInfo) implements Auth {
            public Basic {
                if (userInfo == null || !userInfo.contains(":")) {
                    throw new IllegalArgumentException("basic auth user info must be user:password");
                }
            }

            @Override
            public String toString() {
                return "Basic[****]";
            }
        }

        /** A bearer token, as Confluent's {@code bearer.auth.token}. */
        record Bearer(String token) implements Auth {
            public Bearer {
                if (token == null || token.isBlank()) {
                    throw new IllegalArgumentException("bearer token must not be blank");
                }
            }

            @Override
            public String toString() {
                return "Bearer[****]";
            }
        }
    }

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Optional<String> authorization;
    private final Duration requestTimeout;
    private final HttpClient http;

    /**
     * @param baseUrl        the API base, e.g. {@code http://registry:8081} (Confluent) or
     *                       {@code http://registry:8080/apis/ccompat/v7} (Apicurio); no user info in it
     * @param auth           how to authenticate
     * @param requestTimeout bound of each request (connect and answer)
     */
    public SchemaRegistryClient(String baseUrl, Auth auth, Duration requestTimeout) {
        this.base = parseBase(baseUrl);
        this.authorization = authorizationHeader(Objects.requireNonNull(auth, "auth"));
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    private static Optional<String> authorizationHeader(Auth auth) {
        if (auth instanceof Auth.Basic basic) {
            return Optional.of("Basic " + java.util.Base64.getEncoder().encodeToString(basic.userInfo().getBytes(StandardCharsets.UTF_8)));
        }
        if (auth instanceof Auth.Bearer bearer) {
            return Optional.of("Bearer " + bearer.token());
        }
        return Optional.empty();
    }

    /** A client without authentication and a 10 s request timeout. */
    public static SchemaRegistryClient of(String baseUrl) {
        return new SchemaRegistryClient(baseUrl, new Auth.None(), Duration.ofSeconds(10));
    }

    /** The base URL (never holds credentials). */
    public String baseUrl() {
        return base.toString();
    }

    /**
     * Registers {@code schema} under {@code subject}, or finds it there: the registry answers the existing id for a
     * schema the subject already has, so this is idempotent.
     *
     * @return the schema id, as it appears in the Confluent wire format
     * @throws SchemaRegistryException the registry refused it (e.g. HTTP 409: incompatible under the subject's level)
     */
    public int register(String subject, Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", body.toString(), "register a schema under " + subject);
        return requireInt(answer, "id", "register " + subject);
    }

    /**
     * The schema with this id, or empty if the registry has no schema with it (HTTP 404).
     *
     * @throws SchemaRegistryException the registry answered something that is not an Avro schema
     */
    public Optional<Schema> schemaById(int id) {
        JsonNode answer;
        try {
            answer = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
        } catch (SchemaRegistryException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new SchemaRegistryException(200, -1, "schema id " + id + " is a " + type + " schema, not Avro");
        }
        try {
            return Optional.of(new Schema.Parser().parse(answer.path("schema").asText()));
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(200, -1, "schema id " + id + " does not parse as Avro: " + e.getMessage());
        }
    }

    /** Sets the compatibility level of {@code subject} (e.g. {@code FULL_TRANSITIVE}). */
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode();
        body.put("compatibility", level);
        call("PUT", "/config/" + encode(subject), body.toString(), "set the compatibility of " + subject);
    }

    /** The compatibility level set on {@code subject} itself, empty if none is (the registry's default applies). */
    public Optional<String> compatibility(String subject) {
        try {
            JsonNode answer = call("GET", "/config/" + encode(subject), null, "read the compatibility of " + subject);
            JsonNode level = answer.has("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
            return level == null || level.isNull() ? Optional.empty() : Optional.of(level.asText());
        } catch (SchemaRegistryException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Whether {@code schema} could be registered under {@code subject} given its compatibility level (true for a
     * subject that does not exist yet).
     */
    public boolean isCompatible(String subject, Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        try {
            JsonNode answer = call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", body.toString(),
                    "test compatibility under " + subject);
            return answer.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.status() == 404) {
                return true;
            }
            throw e;
        }
    }

    /** Every subject the registry has. */
    public List<String> subjects() {
        JsonNode answer = call("GET", "/subjects", null, "list subjects");
        List<String> subjects = new ArrayList<>();
        answer.forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    private JsonNode call(String method, String path, String body, String what) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        authorization.ifPresent(a -> request.header("Authorization", a));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryUnavailableException("schema registry " + base + " unreachable (" + what + "): "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while asking the schema registry to " + what, e);
        }
        int status = response.statusCode();
        if (status >= 500 || status == 429 || status == 408) {
            throw new SchemaRegistryUnavailableException("schema registry " + base + " answered HTTP " + status + " (" + what
                    + "): " + errorMessage(response.body()));
        }
        JsonNode json = parse(response.body());
        if (status >= 300) {
            throw new SchemaRegistryException(status, json.path("error_code").asInt(status),
                    "schema registry refused to " + what + ": HTTP " + status + ": " + errorMessage(response.body()));
        }
        return json;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    private static String errorMessage(String body) {
        JsonNode json = parse(body);
        String message = json.path("message").asText("");
        return message.isEmpty() ? "(no message)" : message;
    }

    private static int requireInt(JsonNode answer, String field, String what) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException(200, -1, "schema registry answered no '" + field + "' to " + what + ": " + answer);
        }
        return value.asInt();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static URI parseBase(String baseUrl) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        URI uri;
        try {
            uri = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schema registry URL is not a URL: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("schema registry URL must be http:// or https://, was " + uri.getScheme() + "://...");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("schema registry URL must not carry credentials: use "
                    + "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or SCHEMA_REGISTRY_BEARER_AUTH_TOKEN");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("schema registry URL has no host");
        }
        return uri;
    }

    @Override
    public String toString() {
        return "SchemaRegistryClient[" + base + (authorization.isPresent() ? ", authenticated" : "") + "]";
    }
}

package com.voxanne.ssot.schemas.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An in-process stand-in for the few Confluent-compatible registry routes the codec's unit tests need, with a switch
 * that makes it answer 503 (down) and a counter of id lookups. The real registry (Apicurio) is exercised by the
 * pipeline-level tests; this one lets the framing, caching and retry rules be tested in milliseconds.
 */
final class StubRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, Integer> idBySchema = new ConcurrentHashMap<>();
    private final Map<Integer, String> schemaById = new ConcurrentHashMap<>();
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();
    private final Map<String, java.util.Set<Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    final AtomicInteger idLookups = new AtomicInteger();
    volatile boolean down;

    StubRegistry() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Registers a schema as another producer would, returning its id. */
    int put(String schema) {
        return idBySchema.computeIfAbsent(schema, s -> {
            int id = nextId.getAndIncrement();
            schemaById.put(id, s);
            return id;
        });
    }

    /** The Authorization header of the last request to {@code path}. */
    String lastAuthorization(String pathPrefix) {
        return authorizations.get(pathPrefix);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        authorizations.put(path.startsWith("/schemas") ? "/schemas" : "/subjects", auth == null ? "" : auth);
        if (down) {
            reply(exchange, 503, "{\"error_code\":50301,\"message\":\"stub is down\"}");
            return;
        }
        if (exchange.getRequestMethod().equals("POST") && path.matches("/subjects/[^/]+/versions")) {
            String schema = JSON.readTree(exchange.getRequestBody()).get("schema").asText();
            int id = put(schema);
            String subject = path.substring("/subjects/".length(), path.length() - "/versions".length());
            idsBySubject.computeIfAbsent(java.net.URLDecoder.decode(subject, StandardCharsets.UTF_8),
                    k -> new java.util.concurrent.ConcurrentSkipListSet<>()).add(id);
            reply(exchange, 200, "{\"id\":" + id + "}");
            return;
        }
        if (exchange.getRequestMethod().equals("PUT") && path.startsWith("/config/")) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            reply(exchange, 200, body);
            return;
        }
        if (exchange.getRequestMethod().equals("GET") && path.startsWith("/schemas/ids/")) {
            idLookups.incrementAndGet();
            String schema = schemaById.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
            if (schema == null) {
                reply(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
                return;
            }
            ObjectNode body = JSON.createObjectNode().put("schema", schema);
            reply(exchange, 200, body.toString());
            return;
        }
        reply(exchange, 404, "{\"error_code\":404,\"message\":\"no route " + path + "\"}");
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** Every subject a schema was registered under, with the ids registered there. */
    Map<String, java.util.Set<Integer>> subjects() {
        return new LinkedHashMap<>(idsBySubject);
    }

    Map<Integer, String> schemas() {
        return new LinkedHashMap<>(schemaById);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

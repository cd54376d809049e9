package com.voxanne.ssot.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of a process: {@code /health} (JSON, 200 when UP or DEGRADED, 503 when DOWN),
 * {@code /metrics} (Prometheus text) and whatever routes the services add (status page, queries).
 */
public final class StatusServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Logger log = LoggerFactory.getLogger(StatusServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final HealthRegistry health;

    private StatusServer(HttpServer server, ExecutorService executor, HealthRegistry health) {
        this.server = server;
        this.executor = executor;
        this.health = health;
    }

    /** Binds 127.0.0.1 by default; pass "0.0.0.0" as host in containers. Port 0 picks a free port. */
    public static StatusServer start(String host, int port, HealthRegistry health, PrometheusMeterRegistry metrics)
            throws IOException {
        HttpServer server = JdkHttpServers.create(new InetSocketAddress(host, port), 64);
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "status-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        StatusServer status = new StatusServer(server, executor, health);
        status.route("/health", ex -> status.serveHealth(ex));
        status.route("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.start();
        log.info("Status server listening on {}", status.baseUrl());
        return status;
    }

    public void route(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try (exchange) {
                handler.handle(exchange);
            } catch (RuntimeException | IOException e) {
                log.warn("HTTP {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
                try {
                    respond(exchange, 500, "application/json", JSON.writeValueAsString(Map.of("error", e.getClass().getSimpleName())));
                } catch (IOException ignored) {
                    // the response was already started: the client sees a cut connection, and the log has the cause
                }
            }
        });
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        String host = server.getAddress().getAddress().isAnyLocalAddress() ? "127.0.0.1" : server.getAddress().getHostString();
        return "http://" + host + ":" + port();
    }

    private void serveHealth(HttpExchange exchange) throws IOException {
        Map<String, ComponentHealth> snapshot = health.snapshot();
        ComponentHealth.Status overall = HealthRegistry.overall(snapshot);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", overall);
        body.put("components", snapshot);
        respondJson(exchange, overall == ComponentHealth.Status.DOWN ? 503 : 200, body);
    }

    public static void respondJson(HttpExchange exchange, int status, Object body) throws IOException {
        respond(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

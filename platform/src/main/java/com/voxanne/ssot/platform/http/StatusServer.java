package com.voxanne.ssot.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.Redactor;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of a process: {@code /health} (JSON, 200 when UP or DEGRADED, 503 when DOWN),
 * {@code /metrics} (Prometheus text) and whatever routes the services add (status page, queries).
 *
 * <p>Who may ask is {@link HttpAccess}: a token beyond loopback, a Host check on loopback. Every answer carries
 * {@code nosniff}, a strict Content-Security-Policy (scripts and styles from this server only, no framing) and
 * {@code no-store}. Data routes run at most {@value #DATA_CONCURRENCY} at a time (a request that finds them all busy
 * waits a moment, then gets 503), so slow or expensive requests can never take the threads {@code /health} and
 * {@code /metrics} answer on; a client that does not finish sending its request within
 * {@link JdkHttpServers#MAX_REQUEST_SECONDS} s is cut off. Health details are redacted before they are served.
 */
public final class StatusServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    /** Scripts, styles and fetches from this server only; nothing inline, no plugins, never inside a frame. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** Data requests that may run at once. */
    public static final int DATA_CONCURRENCY = 4;
    /**
     * Threads are made as requests come and cost little while idle: many, so that clients slow to send their requests
     * (each holds a thread until it is cut off) cannot take them all from /health.
     */
    private static final int THREADS = 64;
    private static final Duration DATA_WAIT = Duration.ofSeconds(2);
    private static final Logger log = LoggerFactory.getLogger(StatusServer.class);

    /** What a route serves, which decides who may ask and whether it waits for a data slot. */
    private enum Kind {
        /** {@code /health}: open to all (load balancers, compose), never waits. */
        HEALTH(false),
        /** {@code /metrics}: the token or the metrics token, never waits. */
        METRICS(true),
        /** The status page's static shell (HTML, script, style; no data): open, so a browser can load it and ask for the token. */
        SHELL(false),
        /** Everything with data in it: the token when one is set, a data slot. */
        DATA(true);

        final boolean needsToken;

        Kind(boolean needsToken) {
            this.needsToken = needsToken;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final HealthRegistry health;
    private final HttpAccess access;
    private final Redactor redactor;
    private final boolean loopbackBound;
    private final Semaphore dataSlots = new Semaphore(DATA_CONCURRENCY);

    private StatusServer(HttpServer server, ExecutorService executor, HealthRegistry health, HttpAccess access,
                         Redactor redactor) {
        this.server = server;
        this.executor = executor;
        this.health = health;
        this.access = access;
        this.redactor = redactor;
        this.loopbackBound = server.getAddress().getAddress().isLoopbackAddress();
    }

    /** Loopback only, without a token (tests, a developer's machine). Port 0 picks a free port. */
    public static StatusServer start(String host, int port, HealthRegistry health, PrometheusMeterRegistry metrics)
            throws IOException {
        return start(new HttpAccess(host, port, java.util.Optional.empty(), java.util.Optional.empty()), health, metrics,
                Redactor.none());
    }

    /**
     * @throws ConfigException when the address is beyond loopback and no token is set, or the host does not resolve
     */
    public static StatusServer start(HttpAccess access, HealthRegistry health, PrometheusMeterRegistry metrics,
                                     Redactor redactor) throws IOException {
        access.requireTokenBeyondLoopback();
        InetSocketAddress address = new InetSocketAddress(access.host(), access.port());
        if (address.isUnresolved()) {
            throw new ConfigException("SSOT_HTTP_HOST=" + access.host() + " does not resolve to an address of this machine");
        }
        access.requireTokenBeyondLoopback(address.getAddress());
        HttpServer server = JdkHttpServers.create(address, 64);
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "status-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        StatusServer status = new StatusServer(server, executor, health, access, redactor);
        status.context("/health", Kind.HEALTH, status::serveHealth);
        status.context("/metrics", Kind.METRICS,
                ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.start();
        log.info("Status server listening on {} ({})", status.baseUrl(), access);
        return status;
    }

    /** A route with data in it: needs the token when one is set, and a data slot. */
    public void route(String path, HttpHandler handler) {
        context(path, Kind.DATA, handler);
    }

    /** A route that serves the page shell only (no data): open, so a browser can load it before it has the token. */
    public void shellRoute(String path, HttpHandler handler) {
        context(path, Kind.SHELL, handler);
    }

    private void context(String path, Kind kind, HttpHandler handler) {
        server.createContext(path, exchange -> {
            try (exchange) {
                secureHeaders(exchange);
                if (loopbackBound && !HttpAccess.hostAllowedOnLoopback(exchange.getRequestHeaders().getFirst("Host"))) {
                    respondJson(exchange, 421, Map.of("error", "this server answers only to a loopback Host"));
                    return;
                }
                if (kind.needsToken
                        && !access.admits(exchange.getRequestHeaders().getFirst("Authorization"), kind == Kind.METRICS)) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"ssot\"");
                    respondJson(exchange, 401, Map.of("error", "this route needs 'Authorization: Bearer <SSOT_HTTP_TOKEN>'"));
                    return;
                }
                if (kind == Kind.DATA) {
                    serveInDataSlot(exchange, handler);
                } else {
                    handler.handle(exchange);
                }
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

    private void serveInDataSlot(HttpExchange exchange, HttpHandler handler) throws IOException {
        boolean admitted;
        try {
            admitted = dataSlots.tryAcquire(DATA_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            respondJson(exchange, 503, Map.of("error", "busy: " + DATA_CONCURRENCY + " requests are being answered"));
            return;
        }
        try {
            handler.handle(exchange);
        } finally {
            dataSlots.release();
        }
    }

    private static void secureHeaders(HttpExchange exchange) {
        var h = exchange.getResponseHeaders();
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The address this server is bound to, empty when it listens on every interface. */
    public Optional<String> boundHost() {
        return server.getAddress().getAddress().isAnyLocalAddress() ? Optional.empty()
                : Optional.of(server.getAddress().getHostString());
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
        respondRedacted(exchange, overall == ComponentHealth.Status.DOWN ? 503 : 200, body);
    }

    /** JSON with every configured secret and credential shape masked: for answers that carry error text. */
    public void respondRedacted(HttpExchange exchange, int status, Object body) throws IOException {
        respond(exchange, status, "application/json", redactor.redact(JSON.writeValueAsString(body)));
    }

    public static void respondJson(HttpExchange exchange, int status, Object body) throws IOException {
        respond(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if ("HEAD".equalsIgnoreCase(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1); // the headers a GET would get, and no body
            return;
        }
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

package com.voxanne.ssot.reconciler.query;

import com.sun.net.httpserver.HttpExchange;
import com.voxanne.ssot.platform.http.StatusServer;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * The reconciler's HTTP queries, mounted on the process's {@link StatusServer}:
 * <ul>
 *   <li>{@code GET /api/violations}: the OPEN violations with their age;</li>
 *   <li>{@code GET /api/compliance?org=<uuid>}: the compliance of each active managed number of one org;</li>
 *   <li>{@code GET /api/timeline?org=<uuid>}: the compliance timeline of one org (every violation episode within the
 *       retention: when it opened, how long it lasted, what resolved it), newest first; without {@code org}, the
 *       {@value TimelineQueries#RECENT_LIMIT} most recent episodes over all orgs.</li>
 * </ul>
 * 503 while the stores cannot be queried (starting, rebalancing), 400 for a bad org id, 405 for
 * anything but GET. Single instance only: see {@link ComplianceQueries}.
 */
public final class QueryRoutes {
    public static final String VIOLATIONS_PATH = "/api/violations";
    public static final String COMPLIANCE_PATH = "/api/compliance";
    public static final String TIMELINE_PATH = "/api/timeline";

    private final Supplier<Optional<ComplianceQueries>> queries;
    private final Clock clock;

    /** @param queries the queries once the reconciler runs, empty before */
    public QueryRoutes(Supplier<Optional<ComplianceQueries>> queries, Clock clock) {
        this.queries = queries;
        this.clock = clock;
    }

    public void register(StatusServer server) {
        server.route(VIOLATIONS_PATH, this::violations);
        server.route(COMPLIANCE_PATH, this::compliance);
        server.route(TIMELINE_PATH, this::timeline);
    }

    private void violations(HttpExchange exchange) throws IOException {
        if (!acceptable(exchange, VIOLATIONS_PATH)) {
            return;
        }
        Optional<ComplianceQueries> q = queries.get();
        if (q.isEmpty()) {
            unavailable(exchange, "reconciler is not running");
            return;
        }
        Instant now = clock.instant();
        List<OpenViolationView> open;
        try {
            open = q.get().openViolations(now);
        } catch (InvalidStateStoreException e) {
            unavailable(exchange, "violation store not queryable now (starting or rebalancing): " + e.getMessage());
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("generatedAt", now);
        body.put("open", open.size());
        body.put("violations", open);
        StatusServer.respondJson(exchange, 200, body);
    }

    private void compliance(HttpExchange exchange) throws IOException {
        if (!acceptable(exchange, COMPLIANCE_PATH)) {
            return;
        }
        String org = queryParameter(exchange, "org");
        if (org == null || org.isBlank()) {
            StatusServer.respondJson(exchange, 400, Map.of("error", "query parameter 'org' (organisation uuid) is required"));
            return;
        }
        String orgId = orgId(exchange, org);
        if (orgId == null) {
            return;
        }
        Optional<ComplianceQueries> q = queries.get();
        if (q.isEmpty()) {
            unavailable(exchange, "reconciler is not running");
            return;
        }
        try {
            StatusServer.respondJson(exchange, 200, q.get().orgCompliance(orgId));
        } catch (InvalidStateStoreException e) {
            unavailable(exchange, "compliance stores not queryable now (starting or rebalancing): " + e.getMessage());
        }
    }

    private void timeline(HttpExchange exchange) throws IOException {
        if (!acceptable(exchange, TIMELINE_PATH)) {
            return;
        }
        String org = queryParameter(exchange, "org");
        String orgId = null;
        if (org != null) { // present but blank or not a uuid is a mistake, not "all orgs"
            orgId = orgId(exchange, org);
            if (orgId == null) {
                return;
            }
        }
        Optional<ComplianceQueries> q = queries.get();
        if (q.isEmpty()) {
            unavailable(exchange, "reconciler is not running");
            return;
        }
        Instant now = clock.instant();
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            if (orgId != null) {
                body.put("orgId", orgId);
                body.put("episodes", q.get().timeline().orgTimeline(orgId, now));
            } else {
                body.put("episodes", q.get().timeline().recent(now));
            }
        } catch (InvalidStateStoreException e) {
            unavailable(exchange, "timeline store not queryable now (starting or rebalancing): " + e.getMessage());
            return;
        }
        StatusServer.respondJson(exchange, 200, body);
    }

    /** The org id in canonical form, or null after answering 400 for a value that is not a uuid. */
    private static String orgId(HttpExchange exchange, String org) throws IOException {
        try {
            return UUID.fromString(org.trim()).toString();
        } catch (IllegalArgumentException e) {
            StatusServer.respondJson(exchange, 400, Map.of("error", "org must be a uuid, was '" + org + "'"));
            return null;
        }
    }

    private static boolean acceptable(HttpExchange exchange, String path) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(path)) {
            StatusServer.respondJson(exchange, 404, Map.of("error", "no such resource"));
            return false;
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET");
            StatusServer.respondJson(exchange, 405, Map.of("error", "only GET is supported"));
            return false;
        }
        return true;
    }

    private static void unavailable(HttpExchange exchange, String reason) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", "1");
        StatusServer.respondJson(exchange, 503, Map.of("error", reason));
    }

    static String queryParameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}

package com.voxanne.ssot.reconciler.query;

import com.sun.net.httpserver.HttpExchange;
import com.voxanne.ssot.platform.http.StatusServer;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;
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
 * Each answers for every partition, from any instance: it gathers every reconciler instance's part
 * ({@link ClusterQueries}) and says which instances contributed ({@code sources}). With {@code scope=local} a route
 * serves only this instance's part ({@link LocalPart}), which is what the instances ask each other for.
 * 503 while an answer would be partial (an instance down, the group rebalancing), naming the missing partitions and
 * instances; 400 for a bad org id, 405 for anything but GET.
 */
public final class QueryRoutes {
    public static final String VIOLATIONS_PATH = "/api/violations";
    public static final String COMPLIANCE_PATH = "/api/compliance";
    public static final String TIMELINE_PATH = "/api/timeline";

    private final Supplier<Optional<ComplianceQueries>> queries;
    private final Supplier<Optional<ClusterQueries>> cluster;
    private final Clock clock;

    /** Queries over stores that hold every partition (one instance; a topology test driver). */
    public QueryRoutes(Supplier<Optional<ComplianceQueries>> queries, Clock clock) {
        this(queries, alone(), clock);
    }

    /**
     * @param queries this instance's stores once the reconciler runs, empty before
     * @param cluster the instances to gather the parts from, empty before the reconciler runs
     */
    public QueryRoutes(Supplier<Optional<ComplianceQueries>> queries, Supplier<Optional<ClusterQueries>> cluster, Clock clock) {
        this.queries = queries;
        this.cluster = cluster;
        this.clock = clock;
    }

    private static Supplier<Optional<ClusterQueries>> alone() {
        Optional<ClusterQueries> alone = Optional.of(new ClusterQueries(ReconcilerInstances.alone()));
        return () -> alone;
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
        Instant now = clock.instant();
        answer(exchange, VIOLATIONS_PATH, OpenViolationView.class, q -> q.openViolations(now), (open, body) -> {
            List<OpenViolationView> sorted = new ArrayList<>(open);
            sorted.sort(ComplianceQueries.OLDEST_FIRST);
            body.put("generatedAt", now);
            body.put("open", sorted.size());
            body.put("violations", sorted);
        });
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
        answer(exchange, COMPLIANCE_PATH, NumberComplianceView.class, q -> q.orgCompliance(orgId).numbers(), (numbers, body) -> {
            OrgComplianceView merged = OrgComplianceView.of(orgId, numbers);
            body.put("orgId", merged.orgId());
            body.put("compliant", merged.compliant());
            body.put("managedNumbers", merged.managedNumbers());
            body.put("nonCompliant", merged.nonCompliant());
            body.put("numbers", merged.numbers());
        });
    }

    private void timeline(HttpExchange exchange) throws IOException {
        if (!acceptable(exchange, TIMELINE_PATH)) {
            return;
        }
        String org = queryParameter(exchange, "org");
        String orgId;
        if (org != null) { // present but blank or not a uuid is a mistake, not "all orgs"
            orgId = orgId(exchange, org);
            if (orgId == null) {
                return;
            }
        } else {
            orgId = null;
        }
        Instant now = clock.instant();
        answer(exchange, TIMELINE_PATH, EpisodeView.class,
                q -> orgId != null ? q.timeline().orgTimeline(orgId, now) : q.timeline().recent(now), (episodes, body) -> {
                    if (orgId != null) {
                        body.put("orgId", orgId);
                        body.put("episodes", TimelineQueries.newestFirst(episodes, Integer.MAX_VALUE));
                    } else {
                        body.put("episodes", TimelineQueries.newestFirst(episodes, TimelineQueries.RECENT_LIMIT));
                    }
                });
    }

    /**
     * Serves one query: this instance's part under {@code scope=local}, else every instance's parts merged by
     * {@code merge} into the body (which then also names its {@code sources}); 503 when either is not to be had.
     */
    private <T> void answer(HttpExchange exchange, String path, Class<T> itemType, Function<ComplianceQueries, List<T>> read,
            BiConsumer<List<T>, Map<String, Object>> merge) throws IOException {
        Optional<ComplianceQueries> q = queries.get();
        Optional<ClusterQueries> c = cluster.get();
        if (q.isEmpty() || c.isEmpty()) {
            unavailable(exchange, Map.of("error", "reconciler is not running"));
            return;
        }
        Supplier<List<T>> local = () -> read.apply(q.get());
        String scope = queryParameter(exchange, PeerClient.SCOPE_PARAMETER);
        if (scope != null) {
            if (!PeerClient.LOCAL_SCOPE.equals(scope)) {
                StatusServer.respondJson(exchange, 400, Map.of("error", "scope must be 'local' (this instance's part) or absent"));
                return;
            }
            try {
                StatusServer.respondJson(exchange, 200, c.get().local(local));
            } catch (InvalidStateStoreException e) {
                unavailable(exchange, Map.of("error", "stores not queryable now (starting or rebalancing): " + e.getMessage()));
            }
            return;
        }
        ClusterQueries.Gathered<T> gathered;
        try {
            gathered = c.get().gather(path, withoutScope(exchange.getRequestURI().getRawQuery()),
                    exchange.getRequestHeaders().getFirst("Authorization"), itemType, local);
        } catch (PartialAnswerException e) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.getMessage());
            body.put("missingPartitions", e.missingPartitions().stream().sorted().toList());
            body.put("unavailableInstances", e.unavailableInstances());
            unavailable(exchange, body);
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        merge.accept(gathered.items(), body);
        body.put("sources", gathered.sources());
        StatusServer.respondJson(exchange, 200, body);
    }

    private static String withoutScope(String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        StringBuilder kept = new StringBuilder();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty() || pair.equals(PeerClient.SCOPE_PARAMETER) || pair.startsWith(PeerClient.SCOPE_PARAMETER + "=")) {
                continue;
            }
            kept.append(kept.length() == 0 ? "" : "&").append(pair);
        }
        return kept.toString();
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

    private static void unavailable(HttpExchange exchange, Map<String, Object> body) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", "1");
        StatusServer.respondJson(exchange, 503, body);
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

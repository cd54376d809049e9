package com.voxanne.ssot.pipeline;

import com.voxanne.ssot.pipeline.status.ConsumerLag;
import com.voxanne.ssot.pipeline.status.HistoryProbes;
import com.voxanne.ssot.pipeline.status.HistorySampler;
import com.voxanne.ssot.pipeline.status.OrgDirectory;
import com.voxanne.ssot.pipeline.status.StatusPageSettings;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.http.StatusServer;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.reconciler.query.ComplianceQueries;
import com.voxanne.ssot.reconciler.query.OpenViolationView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;

/**
 * The operator's page ({@code GET /}): a summary row, charts of the last hour, open violations with their
 * organisation's name and age, component health as labelled fields, consumer lag per service, relay slot lag, per-org
 * compliance, stuck sagas, recent provisioning outcomes and the compliance timeline. The HTML polls {@code /health},
 * {@code /api/status} and {@code /api/history} (served here), {@code /api/violations} and {@code /api/timeline} (the
 * reconciler's interactive queries). Everything is served by this process: no CDN, no external font.
 *
 * <p>{@code /api/status} runs a few bounded queries per request (the page asks every second); {@code /api/history}
 * only reads the {@link HistorySampler}'s memory. Closing the page stops its sampler.
 */
public final class StatusPage implements AutoCloseable {
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(3);
    private static final int STUCK_SHOWN = 50;

    /**
     * What the page reads.
     *
     * @param sagas      the provisioner's saga records (read only here)
     * @param stuckAfter PROVISIONER_STUCK_AFTER: a saga holding a paid number unchanged this long is listed as STUCK
     * @param violations the running reconciler's queries (empty while none runs): open violations' orgs and the chart
     */
    public record Sources(DataSource dataSource, Admin admin, List<String> consumerGroups, HealthRegistry health,
                          String slotName, SagaAdmin sagas, Duration stuckAfter,
                          Supplier<Optional<ComplianceQueries>> violations) {
        public Sources {
            consumerGroups = List.copyOf(consumerGroups);
        }
    }

    private final Sources sources;
    private final ConsumerLag lag;
    private final OrgDirectory orgs;
    private final HistorySampler history;
    private final String page;
    private final String script;
    private final String style;

    public StatusPage(Sources sources, StatusPageSettings settings) {
        this.sources = sources;
        this.lag = new ConsumerLag(sources.admin(), sources.consumerGroups(), QUERY_TIMEOUT);
        this.orgs = new OrgDirectory(sources.dataSource(), QUERY_TIMEOUT);
        Map<String, HistorySampler.Probe> probes = new LinkedHashMap<>();
        probes.put(HistoryProbes.OPEN_VIOLATIONS, HistoryProbes.openViolations(sources.violations()));
        probes.put(HistoryProbes.PROVISIONING, HistoryProbes.provisioningOutcomes(sources.dataSource(), QUERY_TIMEOUT));
        probes.put(HistoryProbes.CONSUMER_LAG, HistoryProbes.consumerLag(lag));
        this.history = new HistorySampler(settings.sampleInterval(), StatusPageSettings.WINDOW, Clock.systemUTC(), probes);
        this.page = resource("/status/index.html");
        this.script = resource("/status/status.js");
        this.style = resource("/status/status.css");
    }

    /** Serves the page and its data routes on {@code server} and starts sampling the charts. */
    public void mount(StatusServer server) {
        server.route("/api/status", ex -> server.respondRedacted(ex, 200, snapshot()));
        server.route("/api/history", ex -> server.respondRedacted(ex, 200, history.snapshot()));
        // the shell has no data in it: a browser loads it, then asks for the token if the data routes want one
        server.shellRoute("/", ex -> {
            if (!ex.getRequestURI().getPath().equals("/")) {
                StatusServer.respond(ex, 404, "text/plain", "not found");
                return;
            }
            StatusServer.respond(ex, 200, "text/html; charset=utf-8", page);
        });
        server.shellRoute("/status.js", ex -> StatusServer.respond(ex, 200, "text/javascript; charset=utf-8", script));
        server.shellRoute("/status.css", ex -> StatusServer.respond(ex, 200, "text/css; charset=utf-8", style));
        history.start();
    }

    /** Everything the page shows except the violations and the charts, as one JSON-ready map. */
    public Map<String, Object> snapshot() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("health", sources.health().snapshot());
        out.put("consumerLag", guarded(lag::now));
        out.put("relaySlot", guarded(this::slotLag));
        out.put("outcomes", guarded(this::outcomes));
        Object stuck = guarded(this::stuckSagas);
        Object perOrg = guarded(this::organizations);
        out.put("stuckSagas", stuck);
        out.put("organizations", perOrg);
        out.put("orgNames", guarded(() -> orgNames(perOrg, stuck)));
        return out;
    }

    /**
     * id -> {name, email} for every organisation the page names: those of the per-org table (already read), and the
     * orgs of open violations and stuck sagas (one lookup of the ones not among them).
     */
    private Map<String, OrgDirectory.OrgName> orgNames(Object perOrg, Object stuck) throws SQLException {
        Map<String, OrgDirectory.OrgName> names = new LinkedHashMap<>();
        for (Map<String, Object> row : listOrEmpty(perOrg)) {
            names.put(String.valueOf(row.get("org_id")), new OrgDirectory.OrgName((String) row.get("name"), (String) row.get("email")));
        }
        Set<String> missing = new LinkedHashSet<>();
        try {
            sources.violations().get().ifPresent(q -> q.openViolations(Instant.now()).stream()
                    .map(OpenViolationView::orgId).forEach(missing::add));
        } catch (RuntimeException e) {
            // the store is not queryable now (rebalancing): the violations panel says so; names come next refresh
        }
        listOrEmpty(stuck).forEach(row -> missing.add(String.valueOf(row.get("orgId"))));
        missing.removeAll(names.keySet());
        names.putAll(orgs.names(missing));
        return names;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOrEmpty(Object guardedResult) {
        return guardedResult instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }

    /** The sampler behind {@code /api/history}. */
    public HistorySampler history() {
        return history;
    }

    @Override
    public void close() throws InterruptedException {
        history.close();
    }

    private interface Query {
        Object run() throws Exception;
    }

    private static Object guarded(Query q) {
        try {
            return q.run();
        } catch (Exception e) {
            return Map.of("error", e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    private Map<String, Object> slotLag() throws SQLException {
        try (Connection c = sources.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag_bytes"
                             + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, sources.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("slot", sources.slotName());
                if (rs.next()) {
                    out.put("active", rs.getBoolean(1));
                    out.put("lagBytes", rs.getLong(2));
                } else {
                    out.put("active", false);
                    out.put("lagBytes", null);
                }
                return out;
            } finally {
                c.rollback();
            }
        }
    }

    private List<Map<String, Object>> outcomes() throws SQLException {
        String sql = "SELECT state, coalesce(failure_point, '') AS failure_point, count(*) AS n, max(updated_at) AS last_at"
                + " FROM provisioning_requests WHERE received_at > now() - interval '24 hours'"
                + " GROUP BY state, failure_point ORDER BY n DESC";
        return rows(sql);
    }

    /** Sagas that hold (or may hold) a paid number and have not moved for PROVISIONER_STUCK_AFTER: never silently dropped. */
    private List<Map<String, Object>> stuckSagas() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SagaRecord saga : sources.sagas().list(new SagaAdmin.Filter(Optional.empty(), Optional.empty(), Optional.of(sources.stuckAfter())), STUCK_SHOWN)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("requestId", saga.requestId());
            row.put("orgId", saga.orgId());
            row.put("state", saga.state().name());
            row.put("phoneNumber", saga.phoneNumber());
            row.put("attempts", saga.attempts());
            row.put("error", saga.error()); // stored redacted by the saga
            row.put("updatedAt", saga.updatedAt() == null ? null : saga.updatedAt().toString());
            out.add(row);
        }
        return out;
    }

    private List<Map<String, Object>> organizations() throws SQLException {
        String sql = """
                SELECT o.id::text AS org_id, o.name, o.email,
                       count(m.id) AS managed_numbers,
                       count(m.id) FILTER (WHERE c.id IS NOT NULL AND c.is_managed
                                              AND c.vapi_phone_id = m.vapi_phone_id) AS compliant
                FROM organizations o
                LEFT JOIN managed_phone_numbers m ON m.org_id = o.id AND m.status = 'active'
                LEFT JOIN org_credentials c ON c.org_id = m.org_id AND c.provider = 'twilio' AND c.phone_number = m.phone_number
                GROUP BY o.id, o.name, o.email
                ORDER BY o.name
                LIMIT 200""";
        return rows(sql);
    }

    private List<Map<String, Object>> rows(String sql) throws SQLException {
        try (Connection c = sources.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout((int) QUERY_TIMEOUT.toSeconds());
            try (ResultSet rs = ps.executeQuery()) {
                List<Map<String, Object>> out = new ArrayList<>();
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        Object v = rs.getObject(i);
                        row.put(rs.getMetaData().getColumnLabel(i), v instanceof java.sql.Timestamp t ? t.toInstant().toString() : v);
                    }
                    out.add(row);
                }
                return out;
            } finally {
                c.rollback();
            }
        }
    }

    private static String resource(String path) {
        try (InputStream in = StatusPage.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + path, e);
        }
    }
}

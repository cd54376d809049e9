package com.voxanne.ssot.pipeline;

import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.http.StatusServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import com.voxanne.ssot.provisioner.store.SagaAdmin;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The operator's page ({@code GET /}): component health, consumer lag per service, relay slot lag, open
 * violations with their age, per-org compliance and recent provisioning outcomes by failurePoint. The HTML
 * polls {@code /health}, {@code /api/status} (served here) and {@code /api/violations} (the reconciler's
 * interactive query).
 */
public final class StatusPage {
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(3);
    private static final int STUCK_SHOWN = 50;

    private final DataSource dataSource;
    private final Admin admin;
    private final List<String> consumerGroups;
    private final HealthRegistry health;
    private final String slotName;
    private final SagaAdmin sagas;
    private final Duration stuckAfter;
    private final String page;
    private final String script;
    private final String style;

    /**
     * @param sagas      the provisioner's saga records (read only here)
     * @param stuckAfter PROVISIONER_STUCK_AFTER: a saga holding a paid number unchanged this long is listed as STUCK
     */
    public StatusPage(DataSource dataSource, Admin admin, List<String> consumerGroups, HealthRegistry health, String slotName,
                      SagaAdmin sagas, Duration stuckAfter) {
        this.dataSource = dataSource;
        this.admin = admin;
        this.consumerGroups = List.copyOf(consumerGroups);
        this.health = health;
        this.slotName = slotName;
        this.sagas = sagas;
        this.stuckAfter = stuckAfter;
        this.page = resource("/status/index.html");
        this.script = resource("/status/status.js");
        this.style = resource("/status/status.css");
    }

    public void mount(StatusServer server) {
        server.route("/api/status", ex -> server.respondRedacted(ex, 200, snapshot()));
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
    }

    /** Everything the page shows except the violations, as one JSON-ready map. */
    public Map<String, Object> snapshot() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("health", health.snapshot());
        out.put("consumerLag", guarded(this::consumerLag));
        out.put("relaySlot", guarded(this::slotLag));
        out.put("outcomes", guarded(this::outcomes));
        out.put("stuckSagas", guarded(this::stuckSagas));
        out.put("organizations", guarded(this::organizations));
        return out;
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

    private Map<String, Long> consumerLag() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Long> lag = new LinkedHashMap<>();
        for (String group : consumerGroups) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (committed.isEmpty()) {
                lag.put(group, 0L);
                continue;
            }
            Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            long total = 0;
            for (var e : committed.entrySet()) {
                if (e.getValue() != null && ends.containsKey(e.getKey())) {
                    total += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
                }
            }
            lag.put(group, total);
        }
        return lag;
    }

    private Map<String, Object> slotLag() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag_bytes"
                             + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("slot", slotName);
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
        for (SagaRecord saga : sagas.list(new SagaAdmin.Filter(Optional.empty(), Optional.empty(), Optional.of(stuckAfter)), STUCK_SHOWN)) {
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
                SELECT o.id::text AS org_id, o.name,
                       count(m.id) AS managed_numbers,
                       count(m.id) FILTER (WHERE c.id IS NOT NULL AND c.is_managed
                                              AND c.vapi_phone_id = m.vapi_phone_id) AS compliant
                FROM organizations o
                LEFT JOIN managed_phone_numbers m ON m.org_id = o.id AND m.status = 'active'
                LEFT JOIN org_credentials c ON c.org_id = m.org_id AND c.provider = 'twilio' AND c.phone_number = m.phone_number
                GROUP BY o.id, o.name
                ORDER BY o.name
                LIMIT 200""";
        return rows(sql);
    }

    private List<Map<String, Object>> rows(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
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

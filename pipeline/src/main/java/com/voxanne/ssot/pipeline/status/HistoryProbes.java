package com.voxanne.ssot.pipeline.status;

import com.voxanne.ssot.provisioner.store.SagaState;
import com.voxanne.ssot.reconciler.query.ComplianceQueries;
import com.voxanne.ssot.reconciler.query.OpenViolationView;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/** The three charts of the status page, as {@link HistorySampler.Probe}s. */
public final class HistoryProbes {
    public static final String OPEN_VIOLATIONS = "openViolations";
    public static final String PROVISIONING = "provisioningOutcomes";
    public static final String CONSUMER_LAG = "consumerLag";
    /** The terminal saga states the provisioning chart counts (COMPLETED is a success). */
    public static final List<String> OUTCOMES = SagaState.TERMINAL.stream().sorted().map(Enum::name).toList();
    private static final String OUTCOMES_SQL = "SELECT state, count(*) FROM provisioning_requests"
            + " WHERE updated_at > ? AND updated_at <= ? AND state IN ("
            + OUTCOMES.stream().map(s -> "'" + s + "'").collect(Collectors.joining(", ")) + ") GROUP BY state";

    private HistoryProbes() {
    }

    /**
     * OPEN violations now ({@code total}, and one series per kind, 0 when none), from the running reconciler's store.
     * No reconciler (not started, replaced) or a store not queryable (rebalancing): a gap.
     */
    public static HistorySampler.Probe openViolations(Supplier<Optional<ComplianceQueries>> queries) {
        return (since, now) -> {
            ComplianceQueries q = queries.get().orElseThrow(() -> new IllegalStateException("reconciler is not running"));
            List<OpenViolationView> open = q.openViolations(now);
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("total", (double) open.size());
            for (ViolationKind kind : ViolationKind.values()) {
                out.put(kind.name(), (double) open.stream().filter(v -> v.kind().equals(kind.name())).count());
            }
            return out;
        };
    }

    /**
     * Sagas that finished in (since, now], by outcome, from the saga table (the truth across every provisioner
     * instance, whichever process runs them). One bounded query per sample. The times are this process's clock: a
     * database clock far off shifts the counts between intervals, never loses them.
     */
    public static HistorySampler.Probe provisioningOutcomes(DataSource dataSource, Duration timeout) {
        return (since, now) -> {
            Map<String, Double> out = new LinkedHashMap<>();
            OUTCOMES.forEach(state -> out.put(state, 0.0));
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(OUTCOMES_SQL)) {
                ps.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
                ps.setObject(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
                ps.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), (double) rs.getLong(2));
                    }
                } finally {
                    rollbackQuietly(c);
                }
            }
            return out;
        };
    }

    /** Records behind per service group; the broker unreachable: a gap. */
    public static HistorySampler.Probe consumerLag(ConsumerLag lag) {
        return (since, now) -> {
            Map<String, Double> out = new LinkedHashMap<>();
            lag.now().forEach((group, n) -> out.put(group, n.doubleValue()));
            return out;
        };
    }

    private static void rollbackQuietly(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.rollback();
        }
    }
}

package com.voxanne.ssot.platform.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * {@value #NAME} (gauge, base unit records, tag {@code group}): how many records the consumers of a consumer group in
 * this process are behind the end of the partitions they are assigned, summed over those consumers and partitions. Read
 * from each client's own {@code records-lag} per partition (the distance from its position to the high watermark, or to
 * the last stable offset for {@code read_committed}), as of its last fetch; NaN while none of them has fetched yet.
 * Several consumers of one group in one process (two projector instances, Streams threads) add up under one series.
 */
public final class ConsumerLag {
    public static final String NAME = "ssot.consumer.lag";
    public static final String TAG_GROUP = "group";
    private static final String FETCH_GROUP = "consumer-fetch-manager-metrics";
    private static final String RECORDS_LAG = "records-lag";
    private static final String CLIENT_ID = "client-id";

    /** Per registry, per group: the consumers whose lag the group's gauge sums. */
    private static final Map<MeterRegistry, Map<String, Group>> GROUPS = new WeakHashMap<>();

    private ConsumerLag() {
    }

    /**
     * Adds a client's consumers to {@code group}'s gauge until the returned handle is closed (close it with the client).
     *
     * @param metrics   the client's metrics ({@code consumer::metrics}, {@code streams::metrics})
     * @param clientIds which of the client's consumers belong to the group, by client id (a Streams client also holds
     *                  restore and global consumers, which are not the group's)
     */
    public static AutoCloseable track(MeterRegistry registry, String group,
                                      Supplier<Map<MetricName, ? extends Metric>> metrics, Predicate<String> clientIds) {
        Objects.requireNonNull(group, "group");
        Source source = new Source(metrics, clientIds);
        Group g;
        synchronized (GROUPS) {
            g = GROUPS.computeIfAbsent(registry, r -> new HashMap<>()).computeIfAbsent(group, name -> new Group());
            if (g.sources.isEmpty()) {
                g.gauge = Gauge.builder(NAME, g, Group::lag)
                        .description("Records the group's consumers in this process are behind the end of their assigned"
                                + " partitions (client records-lag, summed)")
                        .baseUnit("records")
                        .tag(TAG_GROUP, group)
                        .strongReference(true)
                        .register(registry);
            }
            g.sources.add(source);
        }
        Group tracked = g;
        return () -> {
            synchronized (GROUPS) {
                if (tracked.sources.remove(source) && tracked.sources.isEmpty() && tracked.gauge != null) {
                    registry.remove(tracked.gauge);
                    tracked.gauge = null;
                    Map<String, Group> groups = GROUPS.get(registry);
                    if (groups != null) {
                        groups.remove(group, tracked);
                    }
                }
            }
        };
    }

    /** The sum of {@code records-lag} over the partitions of the matching consumers in {@code metrics}; NaN if none. */
    static double lagOf(Map<MetricName, ? extends Metric> metrics, Predicate<String> clientIds) {
        double sum = 0;
        boolean any = false;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName name = e.getKey();
            if (!RECORDS_LAG.equals(name.name()) || !FETCH_GROUP.equals(name.group())
                    || !name.tags().containsKey("partition") || !clientIds.test(name.tags().getOrDefault(CLIENT_ID, ""))) {
                continue;
            }
            if (e.getValue().metricValue() instanceof Number n && Double.isFinite(n.doubleValue())) {
                sum += n.doubleValue();
                any = true;
            }
        }
        return any ? sum : Double.NaN;
    }

    /** One tracked client (identity: two clients with the same suppliers are still two). */
    private static final class Source {
        private final Supplier<Map<MetricName, ? extends Metric>> metrics;
        private final Predicate<String> clientIds;

        Source(Supplier<Map<MetricName, ? extends Metric>> metrics, Predicate<String> clientIds) {
            this.metrics = metrics;
            this.clientIds = clientIds;
        }
    }

    private static final class Group {
        private final List<Source> sources = new CopyOnWriteArrayList<>();
        private Gauge gauge;

        double lag() {
            double sum = 0;
            boolean any = false;
            for (Source s : sources) {
                double lag = lagOf(s.metrics.get(), s.clientIds);
                if (!Double.isNaN(lag)) {
                    sum += lag;
                    any = true;
                }
            }
            return any ? sum : Double.NaN;
        }
    }
}

package com.voxanne.ssot.relay.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Debezium's streaming metrics under the names the community's dashboards use: what debezium-examples' JMX exporter
 * configuration makes of the connector's MBean {@code debezium.postgres:type=connector-metrics,context=streaming,
 * server=<topic.prefix>}, one gauge {@code debezium_metrics_<Attribute>} per numeric or boolean attribute, tagged
 * {@code plugin="postgres"}, {@code context="streaming"} and {@code name=<topic.prefix>}. Booleans are 1/0.
 *
 * <p>Read from the platform MBean server at each scrape, so the gauges follow the engine across restarts: while no
 * engine streams (before the first start, while the supervisor restarts it) the MBean is not registered and the gauges
 * are NaN, except {@code Connected}, which is 0 then (not connected is what it is).
 *
 * <p>Micrometer would turn a camel-case name into snake case under some naming conventions; the Prometheus one keeps
 * the case, so the Micrometer name {@code debezium.metrics.MilliSecondsBehindSource} renders exactly as
 * {@code debezium_metrics_MilliSecondsBehindSource} (a test reads it back from the scrape text).
 */
public final class DebeziumStreamingMetrics implements MeterBinder, AutoCloseable {
    public static final String PREFIX = "debezium.metrics.";
    public static final String PLUGIN = "postgres";
    public static final String CONTEXT = "streaming";
    /** The boolean attribute, 0 when the MBean is absent. */
    public static final String CONNECTED = "Connected";

    /**
     * The streaming MBean's numeric and boolean attributes (Debezium 3.6's {@code StreamingChangeEventSourceMetricsMXBean};
     * the map, string and array ones have no gauge).
     */
    public static final List<String> ATTRIBUTES = List.of(
            "MilliSecondsBehindSource",
            "MilliSecondsSinceLastEvent",
            "TotalNumberOfEventsSeen",
            "TotalNumberOfCreateEventsSeen",
            "TotalNumberOfUpdateEventsSeen",
            "TotalNumberOfDeleteEventsSeen",
            "NumberOfEventsFiltered",
            "NumberOfErroneousEvents",
            "NumberOfCommittedTransactions",
            "NumberOfUnchangedEventsSkipped",
            "QueueTotalCapacity",
            "QueueRemainingCapacity",
            "CurrentQueueSizeInBytes",
            "MaxQueueSizeInBytes",
            CONNECTED);

    private final ObjectName objectName;
    private final String serverName;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final List<Meter> meters = new ArrayList<>();
    private MeterRegistry registry;

    /** @param topicPrefix the connector's {@code topic.prefix} (RELAY_TOPIC_PREFIX), Debezium's server name */
    public DebeziumStreamingMetrics(String topicPrefix) {
        this.serverName = topicPrefix;
        this.objectName = objectName(topicPrefix);
    }

    /**
     * The streaming metrics MBean of the Postgres connector with this {@code topic.prefix} (RELAY_TOPIC_PREFIX allows only
     * {@code [a-zA-Z0-9._-]}, all legal in an unquoted ObjectName value, as Debezium writes it).
     */
    public static ObjectName objectName(String topicPrefix) {
        try {
            return new ObjectName("debezium." + PLUGIN + ":type=connector-metrics,context=" + CONTEXT + ",server=" + topicPrefix);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("no JMX name for topic prefix '" + topicPrefix + "'", e);
        }
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        for (String attribute : ATTRIBUTES) {
            meters.add(Gauge.builder(PREFIX + attribute, this, m -> m.read(attribute))
                    .description("Debezium streaming metric " + attribute + " (MBean " + objectName + ")")
                    .tag("plugin", PLUGIN)
                    .tag("context", CONTEXT)
                    .tag("name", serverName)
                    .strongReference(true)
                    .register(registry));
        }
    }

    /** The attribute's value now: booleans as 1/0; NaN (Connected: 0) when no engine streams. */
    double read(String attribute) {
        Object value;
        try {
            value = server.getAttribute(objectName, attribute);
        } catch (JMException | RuntimeException e) {
            return CONNECTED.equals(attribute) ? 0 : Double.NaN;
        }
        if (value instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        return Double.NaN;
    }

    /** Removes the gauges (a relay built later in this process registers its own). */
    @Override
    public synchronized void close() {
        if (registry != null) {
            meters.forEach(registry::remove);
        }
        meters.clear();
    }
}

package com.voxanne.ssot.relay.slot;

import com.voxanne.ssot.platform.config.Redactor;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples, on its own thread, what the relay cannot see from inside the engine: the slot's lag and
 * whether it is streaming, and whether Postgres and Kafka answer at all. Health checks and the lag gauge
 * read the last sample, so they stay cheap. A failed probe is logged once when it starts failing and
 * once when it recovers, not on every sample.
 */
public final class SlotMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SlotMonitor.class);

    private final DataSource dataSource;
    private final Admin admin;
    private final String slotName;
    private final Duration interval;
    private final Redactor redactor;
    private final ScheduledExecutorService executor;

    private volatile SlotState slot = SlotState.UNKNOWN;
    private volatile String databaseProblem;
    private volatile String kafkaProblem;

    public SlotMonitor(DataSource dataSource, Admin admin, String slotName, Duration interval, Redactor redactor) {
        this.dataSource = dataSource;
        this.admin = admin;
        this.slotName = slotName;
        this.interval = interval;
        this.redactor = redactor;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ssot-relay-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        executor.scheduleWithFixedDelay(this::sampleAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Samples the slot now, on the caller's thread (used while waiting for the stream to start). */
    public synchronized SlotState sampleSlot() {
        try (Connection c = dataSource.getConnection()) {
            try {
                slot = ReplicationSlots.sample(c, slotName);
            } finally {
                c.rollback();
            }
            if (databaseProblem != null) {
                log.info("Postgres answers again (slot {})", slotName);
            }
            databaseProblem = null;
        } catch (SQLException e) {
            String problem = "Postgres unreachable: " + redactor.describe(e);
            if (databaseProblem == null) {
                log.warn("Relay cannot sample replication slot {}: {}", slotName, problem, e);
            }
            databaseProblem = problem;
            slot = new SlotState(slot.exists(), false, 0, slot.lagBytes(), slot.confirmedFlushLsn(), slot.walStatus());
        }
        return slot;
    }

    private void sampleAll() {
        sampleSlot();
        probeKafka();
    }

    private void probeKafka() {
        long timeoutMs = Math.max(1000, Math.min(interval.toMillis(), 10_000));
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs)).clusterId()
                    .get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
            if (kafkaProblem != null) {
                log.info("Kafka answers again (relay slot {})", slotName);
            }
            kafkaProblem = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            String problem = "Kafka unreachable: " + redactor.describe(cause);
            if (kafkaProblem == null) {
                log.warn("Relay cannot reach Kafka (slot {}): {}", slotName, problem, cause);
            }
            kafkaProblem = problem;
        }
    }

    /** The last sample of the slot. */
    public SlotState slot() {
        return slot;
    }

    /** WAL bytes retained by the slot at the last sample; -1 when unknown. */
    public long lagBytes() {
        return slot.lagBytes();
    }

    /** Why Postgres could not be sampled last time, or null. */
    public String databaseProblem() {
        return databaseProblem;
    }

    /** Why Kafka could not be reached last time, or null. */
    public String kafkaProblem() {
        return kafkaProblem;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(15, TimeUnit.SECONDS)) {
                log.warn("Relay monitor for slot {} did not stop within 15s", slotName);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

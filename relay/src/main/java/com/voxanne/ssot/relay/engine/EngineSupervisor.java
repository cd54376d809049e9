package com.voxanne.ssot.relay.engine;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.relay.metrics.RelayMetrics;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one Debezium engine running: builds it with a fresh producer, runs it on its own thread, and
 * when it stops for any reason other than {@link #close()} (Postgres or Kafka gone, a write not
 * acknowledged) records why, waits with the platform's capped exponential backoff and starts a new one.
 * A new engine resumes from the last committed offset, so nothing unacknowledged is skipped.
 */
public final class EngineSupervisor implements AutoCloseable {
    /** What the supervised engine is doing. */
    public enum Phase { NEW, STARTING, RUNNING, RESTARTING, STOPPED }

    private static final Logger log = LoggerFactory.getLogger(EngineSupervisor.class);

    private final String slotName;
    private final Properties engineProperties;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final Function<Producer<byte[], byte[]>, KafkaBatchWriter> writers;
    private final Backoff backoff;
    private final RelayMetrics metrics;
    private final Redactor redactor;
    private final CountDownLatch closing = new CountDownLatch(1);

    private volatile Phase phase = Phase.NEW;
    private volatile String lastProblem;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    /** The running engine has started its connector (offset store open): only then may it be stopped safely. */
    private volatile boolean connectorStarted;
    private Thread thread;

    /**
     * @param engineProperties the engine's properties (contain the database password: never logged)
     * @param producers        a new producer per engine run (a producer that failed is not reused)
     * @param writers          the batch handler for a producer
     */
    public EngineSupervisor(String slotName, Properties engineProperties, Supplier<Producer<byte[], byte[]>> producers,
                            Function<Producer<byte[], byte[]>, KafkaBatchWriter> writers, Backoff backoff,
                            RelayMetrics metrics, Redactor redactor) {
        this.slotName = slotName;
        this.engineProperties = engineProperties;
        this.producers = producers;
        this.writers = writers;
        this.backoff = backoff;
        this.metrics = metrics;
        this.redactor = redactor;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("relay engine for slot " + slotName + " already started");
        }
        phase = Phase.STARTING;
        thread = new Thread(this::superviseUntilClosed, "ssot-relay-engine-" + slotName);
        thread.start();
    }

    public Phase phase() {
        return phase;
    }

    /** Why the engine last stopped or failed to start (redacted), or null if it never did. */
    public String lastProblem() {
        return lastProblem;
    }

    private void superviseUntilClosed() {
        int attempt = 0;
        while (closing.getCount() > 0) {
            RunResult result = runOnce();
            if (closing.getCount() == 0) {
                break;
            }
            if (result.reachedRunning()) {
                attempt = 0;
            }
            Duration delay = backoff.delay(attempt++);
            lastProblem = result.what() + ": " + redactor.describe(result.failure());
            metrics.failed(result.failure() instanceof RelayWriteException ? RelayMetrics.FAILURE_KAFKA_WRITE
                    : RelayMetrics.FAILURE_ENGINE);
            phase = Phase.RESTARTING;
            log.warn("Relay engine for slot {} failed ({}); restart {} in {} ms", slotName, lastProblem, attempt,
                    delay.toMillis(), result.failure());
            try {
                if (closing.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            phase = Phase.STARTING;
        }
        phase = Phase.STOPPED;
    }

    /** How one engine run ended. */
    private record RunResult(boolean reachedRunning, String what, Throwable failure) {
    }

    /** Runs one engine until it stops. */
    private RunResult runOnce() {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> failureMessage = new AtomicReference<>();
        boolean[] reachedRunning = {false};
        Producer<byte[], byte[]> producer;
        try {
            producer = producers.get();
        } catch (RuntimeException e) {
            return new RunResult(false, "cannot create the Kafka producer", e);
        }
        try (DebeziumEngine<RecordChangeEvent<SourceRecord>> built = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(copyOf(engineProperties))
                .using((success, message, error) -> {
                    if (!success || error != null) {
                        failure.compareAndSet(null, error);
                        failureMessage.compareAndSet(null, message);
                    }
                })
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void connectorStarted() {
                        connectorStarted = true;
                    }

                    @Override
                    public void pollingStarted() {
                        reachedRunning[0] = true;
                        phase = Phase.RUNNING;
                        log.info("Relay engine for slot {} is polling the connector", slotName);
                    }
                })
                .notifying(writers.apply(producer))
                .build()) {
            connectorStarted = false;
            engine = built;
            if (closing.getCount() > 0) {
                built.run();
            }
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            engine = null;
            closeProducer(producer);
        }
        Throwable error = failure.get();
        if (error == null) {
            String message = failureMessage.get();
            error = new IllegalStateException(message == null ? "engine stopped without an error" : message);
        }
        return new RunResult(reachedRunning[0], "engine stopped", error);
    }

    /** Each engine gets its own copy: the engine builder may add defaults to the properties it is given. */
    private static Properties copyOf(Properties properties) {
        Properties copy = new Properties();
        copy.putAll(properties);
        return copy;
    }

    private void closeProducer(Producer<byte[], byte[]> producer) {
        try {
            // Unacknowledged sends are abandoned here; their changes were not marked processed, so the
            // next engine reads them again.
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Relay producer for slot {} did not close cleanly: {}", slotName, redactor.describe(e), e);
        }
    }

    /**
     * Stops the engine (committing the positions of what Kafka acknowledged) and the supervision. An
     * engine still opening its offset store is left to finish or fail first (stopping it then would leak
     * the store), and one starting its tasks refuses to stop, so the stop is retried until accepted;
     * waits up to 60 s in all.
     */
    @Override
    public void close() {
        closing.countDown();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        DebeziumEngine<RecordChangeEvent<SourceRecord>> stopped = null;
        try {
            while (t != null && t.isAlive() && System.nanoTime() < deadline) {
                DebeziumEngine<RecordChangeEvent<SourceRecord>> running = engine;
                if (running != null && running != stopped && connectorStarted) {
                    try {
                        running.close();
                        stopped = running;
                    } catch (IllegalStateException e) {
                        // still starting its tasks, or already stopping by itself: look again shortly
                        log.debug("Relay engine for slot {} not ready to stop yet: {}", slotName, e.getMessage());
                    } catch (IOException e) {
                        stopped = running;
                        log.warn("Relay engine for slot {} did not close cleanly: {}", slotName, redactor.describe(e), e);
                    }
                }
                t.join(100);
            }
            if (t != null && t.isAlive()) {
                log.warn("Relay engine thread for slot {} still running 60 s after close; interrupting it", slotName);
                t.interrupt();
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        phase = Phase.STOPPED;
    }
}

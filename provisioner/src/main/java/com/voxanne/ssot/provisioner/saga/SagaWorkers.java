package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.store.SagaRecord;
import com.voxanne.ssot.provisioner.store.SagaStore;
import com.voxanne.ssot.provisioner.store.StoreException;
import com.voxanne.ssot.provisioner.tracing.ProvisionerTracing;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The saga workers of one instance: whenever workers are free (PROVISIONER_WORKERS of them), a dispatcher thread
 * leases up to that many runnable sagas from the database in one transaction and hands them to the pool. Kafka is never involved: the inbox records
 * requests, these workers drive them, so a slow provider never stalls a partition. The dispatcher is woken when the
 * inbox records new work or a saga finishes, and otherwise polls (other instances' requests, retries that came due).
 */
public final class SagaWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SagaWorkers.class);
    /** Most sagas leased by one claim transaction (the rest of the idle workers claim in the next one). */
    static final int MAX_CLAIM_BATCH = 64;
    private static final Backoff CLAIM_BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 2.0);

    private final SagaStore store;
    private final ProvisionerSettings settings;
    private final SagaRunner runner;
    private final SagaMetrics metrics;
    private final Consumer<Throwable> onCrash;
    private final Semaphore slots;
    private final ProviderCircuit circuit;
    private final java.util.concurrent.ScheduledExecutorService renewer;
    private final LinkedBlockingQueue<Boolean> wakeups = new LinkedBlockingQueue<>(1);
    private final AtomicReference<SagaRunner.Stop> stop = new AtomicReference<>(SagaRunner.Stop.RUNNING);
    private final AtomicReference<String> claimProblem = new AtomicReference<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong claims = new AtomicLong();
    private final ExecutorService pool;
    private final Thread dispatcher;

    /**
     * @param onCrash told when a worker dies of an {@link Error} (a simulated kill, or the JVM in trouble); the
     *                instance must then stop without handing anything back
     */
    public SagaWorkers(SagaStore store, ProvisionerSettings settings, NumberVendor vendor, VoiceAgentDirectory directory,
                       ResultPublisher publisher, SagaStepListener listener,
                       SagaMetrics metrics, Redactor redactor, ProviderCircuit circuit, ProvisionerTracing tracing,
                       Consumer<Throwable> onCrash) {
        this.store = store;
        this.settings = settings;
        this.metrics = metrics;
        this.onCrash = onCrash;
        this.slots = new Semaphore(settings.workers());
        this.circuit = circuit;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "provisioner-lease-renewer");
            t.setDaemon(true);
            return t;
        });
        SagaContext ctx = new SagaContext(store, settings, vendor, directory, listener, metrics, redactor,
                Clock.systemUTC(), circuit, renewer, tracing);
        this.runner = new SagaRunner(ctx, publisher, stop::get, this::pauseUnlessStopping);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(settings.workers(), r -> {
            Thread t = new Thread(r, "provisioner-saga-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.dispatcher = new Thread(this::dispatch, "provisioner-dispatcher");
        this.dispatcher.setDaemon(true);
    }

    public void start() {
        dispatcher.start();
    }

    /** Something may be runnable now (a request was recorded, a saga finished). */
    public void wake() {
        wakeups.offer(Boolean.TRUE);
    }

    public int active() {
        return active.get();
    }

    /** The database problem workers are waiting out, if any. */
    public Optional<String> problem() {
        return Optional.ofNullable(claimProblem.get()).or(runner::storeProblem);
    }

    private void dispatch() {
        int claimFailures = 0;
        while (stop.get() == SagaRunner.Stop.RUNNING) {
            try {
                if (circuit.isOpen()) {
                    // a provider refuses our configuration: start nothing (no purchase), sagas wait where they are
                    wakeups.poll(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    continue;
                }
                if (!slots.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                // One claim transaction for every idle worker (bounded): claiming costs a query and a synchronous
                // commit, so claiming one saga at a time caps throughput near one claim per commit latency.
                int free = 1 + slots.drainPermits();
                int batch = Math.min(free, MAX_CLAIM_BATCH);
                slots.release(free - batch);
                List<SagaRecord> claimed;
                try {
                    claimed = store.leases().claim(settings.instanceId() + "#" + claims.incrementAndGet(), batch, settings.lease());
                    if (claimProblem.getAndSet(null) != null) {
                        log.info("Database reachable again: claiming sagas");
                    }
                    claimFailures = 0;
                } catch (StoreException e) {
                    slots.release(batch);
                    if (claimProblem.getAndSet(e.getMessage()) == null) {
                        log.warn("Cannot claim sagas: database unavailable; retrying with backoff", e);
                    }
                    pauseUnlessStopping(CLAIM_BACKOFF.delay(claimFailures++));
                    continue;
                }
                slots.release(batch - claimed.size());
                metrics.claimed(claimed.size());
                for (SagaRecord saga : claimed) {
                    active.incrementAndGet();
                    metrics.inFlight().incrementAndGet();
                    pool.execute(() -> work(saga));
                }
                if (claimed.isEmpty()) {
                    wakeups.poll(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void work(SagaRecord saga) {
        try {
            runner.drive(saga);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Saga worker interrupted; the saga resumes from the database. org={} request={}", saga.orgId(), saga.requestId());
        } catch (RuntimeException e) {
            log.error("Saga worker failed unexpectedly; the saga is retried when its lease expires. org={} request={} state={}",
                    saga.orgId(), saga.requestId(), saga.state(), e);
        } catch (Error e) {
            if (stop.compareAndSet(SagaRunner.Stop.RUNNING, SagaRunner.Stop.CRASHED)) {
                log.error("Saga worker died; this instance stops at once and leaves its sagas to lease expiry. org={} request={}",
                        saga.orgId(), saga.requestId(), e);
                onCrash.accept(e);
            }
        } finally {
            active.decrementAndGet();
            metrics.inFlight().decrementAndGet();
            slots.release();
            wake();
        }
    }

    private boolean pauseUnlessStopping(Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (stop.get() == SagaRunner.Stop.RUNNING) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
        }
        return false;
    }

    /** True once a worker died of an Error. */
    public boolean crashed() {
        return stop.get() == SagaRunner.Stop.CRASHED;
    }

    /**
     * Stops claiming; workers finish the step they are in (a provider call is never cut off mid-flight), hand their
     * sagas back and exit. After a crash nothing is handed back.
     */
    @Override
    public void close() {
        stop.compareAndSet(SagaRunner.Stop.RUNNING, SagaRunner.Stop.CLEAN);
        wake();
        try {
            dispatcher.join(settings.pollInterval().toMillis() + 5_000);
            pool.shutdown();
            long grace = settings.httpTimeout().multipliedBy(2).plusSeconds(5).toMillis();
            if (!pool.awaitTermination(grace, TimeUnit.MILLISECONDS)) {
                log.warn("Saga workers still busy after {} ms; interrupting them (their sagas resume from the database)", grace);
                pool.shutdownNow();
                pool.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        } finally {
            renewer.shutdownNow(); // after the workers: their in-flight calls keep their leases until they end
        }
    }
}

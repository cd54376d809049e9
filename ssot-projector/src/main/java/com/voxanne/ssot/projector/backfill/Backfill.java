package com.voxanne.ssot.projector.backfill;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.metrics.KafkaClientMeters;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.ProjectorSettings;
import com.voxanne.ssot.projector.consumer.BatchProcessor;
import com.voxanne.ssot.projector.consumer.BatchResult;
import com.voxanne.ssot.projector.consumer.DeadLetterRejections;
import com.voxanne.ssot.projector.consumer.ProjectorMetrics;
import com.voxanne.ssot.projector.consumer.RecordDecoder;
import com.voxanne.ssot.projector.consumer.RejectionHandler;
import com.voxanne.ssot.projector.store.BatchWrite;
import com.voxanne.ssot.projector.store.EventValidator;
import com.voxanne.ssot.projector.store.KnownOrganizations;
import com.voxanne.ssot.projector.store.OrgCredentialsUpsert;
import com.voxanne.ssot.projector.store.RefusingBatchWrite;
import com.voxanne.ssot.projector.store.SsotWriter;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays {@code telephony.numbers.provisioned} into org_credentials through the SAME path as the live
 * projector ({@link BatchProcessor}: decode, validate, one idempotent version-guarded upsert per batch,
 * poison records to the DLQ). It reads with {@code assign()} and no consumer group, so the live projector's
 * group and offsets are untouched, from the beginning or from a timestamp up to the end offsets captured at
 * start, then stops. Since the write is idempotent, replaying what is already applied changes nothing.
 *
 * <p>It writes with {@link BackfillSettings#writers()} parallel writers, each owning a fixed group of partitions (a key
 * lives in one partition, so its events are written in log order by one writer), each with its own connection and
 * transactions; batches of at least {@link BackfillSettings#copyThreshold()} rows go by {@code COPY} into a staging table
 * and one merge with the same version guard and release rule. It commits no Kafka offsets (no group); a record counts as
 * done in the progress only once the transaction holding it committed, and an interrupted or failed replay is rerun from
 * its start position, re-applying idempotently.
 *
 * <p>A dry run evaluates every event against the stored version stamps and writes nothing (and parks
 * nothing). Database failures are retried with backoff, never skipped; after {@code giveUpAfter} of
 * continuous failure the replay stops with a {@link BackfillException} (rerunning it is safe).
 */
public final class Backfill {
    private static final Logger log = LoggerFactory.getLogger(Backfill.class);
    /** How long a replay keeps retrying one failing batch, or waits for records that must come, before it stops. */
    public static final Duration DEFAULT_GIVE_UP_AFTER = Duration.ofMinutes(5);
    /** The {@code service} of the dead letters a replay parks. */
    public static final String BACKFILL_SERVICE = "backfill";

    private final KafkaClients kafka;
    private final Topic<String, NumberProvisioned> topic;
    private final DataSource dataSource;
    private final MeterRegistry registry;
    private final Redactor redactor;
    private final ProjectorSettings settings;
    private final Duration giveUpAfter;
    private final BackfillSettings writing;

    /**
     * A replay with the default {@link BackfillSettings} (parallel writers, COPY for large batches).
     *
     * @param dataSource used, not owned (it should offer at least as many connections as there are writers)
     * @param registry   where dead-letter and failure counts go (the CLI can pass a fresh registry)
     */
    public Backfill(KafkaClients kafka, Topic<String, NumberProvisioned> topic, DataSource dataSource,
                    MeterRegistry registry, Redactor redactor, ProjectorSettings settings, Duration giveUpAfter) {
        this(kafka, topic, dataSource, registry, redactor, settings, BackfillSettings.defaults(), giveUpAfter);
    }

    /** @param writing how many writers, and from which batch size on COPY is used */
    public Backfill(KafkaClients kafka, Topic<String, NumberProvisioned> topic, DataSource dataSource,
                    MeterRegistry registry, Redactor redactor, ProjectorSettings settings, BackfillSettings writing,
                    Duration giveUpAfter) {
        this.writing = writing;
        this.kafka = kafka;
        this.topic = topic;
        this.dataSource = dataSource;
        this.registry = registry;
        this.redactor = redactor;
        this.settings = settings;
        this.giveUpAfter = giveUpAfter;
    }

    /** The replay of a deployment: topic names, batch size and retry from the context; uses (does not own) the pool. */
    public static Backfill fromContext(ServiceContext context, DataSource dataSource) {
        return new Backfill(context.kafka(), context.config().topics().numbersProvisioned(),
                dataSource, context.metrics(), context.redactor(), ProjectorSettings.from(context.source()),
                BackfillSettings.from(context.source()), DEFAULT_GIVE_UP_AFTER);
    }

    /**
     * @param from     the beginning of the log, or a timestamp
     * @param dryRun   true: compute what would change, write and park nothing
     * @param listener told after every batch
     * @throws BackfillException    the topic does not exist, or the database/broker stayed down past giveUpAfter
     * @throws InterruptedException interrupted: what was committed stays, rerun to finish
     */
    public BackfillSummary run(StartFrom from, boolean dryRun, BackfillListener listener) throws InterruptedException {
        String runId = "ssot-backfill-" + UUID.randomUUID().toString().substring(0, 8);
        long started = System.nanoTime();
        Producer<byte[], byte[]> dlqProducer = dryRun ? null
                : KafkaClientMeters.producer(registry, kafka.producer(runId + "-dlq"), new ByteArraySerializer(),
                        new ByteArraySerializer());
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClientMeters.consumer(registry, consumerProperties(runId),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return replay(consumer, dlqProducer, from, dryRun, listener, started, runId);
        } finally {
            if (dlqProducer != null) {
                dlqProducer.close(Duration.ofSeconds(10));
            }
        }
    }

    private BatchProcessor processor(boolean dryRun, Producer<byte[], byte[]> dlqProducer) {
        RecordDecoder decoder = RecordDecoder.forEventLog(topic, new EventValidator());
        if (dryRun) {
            BatchWrite evaluator = new DryRunEvaluator(new KnownOrganizations());
            RejectionHandler wouldPark = r -> log.info("dry run: would park {} ({}): orgId={} requestId={} phone={} reason={}",
                    r.origin(), r.stage(), r.orgId(), r.requestId(), r.phoneNumber(), redactor.redact(r.reason()));
            return new BatchProcessor(dataSource, decoder, evaluator, wouldPark, false);
        }
        ProjectorMetrics metrics = ProjectorMetrics.forBackfill(registry);
        RejectionHandler park = new DeadLetterRejections(new DeadLetters(dlqProducer, redactor, settings.dlqTimeout())
                .counted(registry, BACKFILL_SERVICE, topic.name()), metrics, redactor);
        OrgCredentialsUpsert upsert = new OrgCredentialsUpsert(new EventValidator(), SsotWriter.BACKFILL,
                writing.copyThreshold());
        return new BatchProcessor(dataSource, decoder, new RefusingBatchWrite(upsert, new KnownOrganizations()), park, true);
    }

    private Map<String, Object> consumerProperties(String runId) {
        Map<String, Object> props = kafka.consumer(runId, runId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign() only: no group, no commits, the live group untouched
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        return props;
    }

    /**
     * The poll thread reads the range and hands each partition's records, in offset order, to the writer that owns the
     * partition (partition number modulo the writers); each writer writes its batches one after the other in its own
     * transactions. Records count as done only once their transaction committed; the hand-over queues are bounded, so
     * memory stays flat however long the log is.
     */
    private BackfillSummary replay(KafkaConsumer<byte[], byte[]> consumer, Producer<byte[], byte[]> dlqProducer,
                                   StartFrom from, boolean dryRun, BackfillListener listener, long started, String runId)
            throws InterruptedException {
        ReplayRange range = ReplayRange.of(consumer, topic.name(), from);
        int writerCount = dryRun ? 1 : writing.writers(); // the dry run's evaluator remembers what it would have written
        log.info("{}: replaying {} records of {} {} with {} writer(s) (dry run: {})", runId, range.total(), topic.name(),
                from, writerCount, dryRun);
        range.assignTo(consumer);
        Tally tally = new Tally();
        Writers writers = new Writers(writerCount, () -> processor(dryRun, dlqProducer), tally, runId);
        try {
            long lastRead = -1;
            long lastReadAt = System.nanoTime();
            long lastDone = -1;
            while (!range.finished()) {
                List<ConsumerRecord<byte[], byte[]>> batch = range.inRange(consumer.poll(settings.pollTimeout()));
                writers.dispatch(batch);
                long read = range.advance(consumer);
                if (read != lastRead) {
                    lastRead = read;
                    lastReadAt = System.nanoTime();
                } else if (Duration.ofNanos(System.nanoTime() - lastReadAt).compareTo(giveUpAfter) > 0) {
                    throw new BackfillException(runId + ": no records could be read from " + topic.name() + " for "
                            + giveUpAfter.toSeconds() + "s with " + (range.total() - read) + " still to read; is Kafka"
                            + " reachable? Rerunning the backfill is safe.");
                }
                lastDone = report(writers.committed(), lastDone, range.total(), started, listener);
            }
            writers.finish();
            while (!writers.awaitDone(settings.pollTimeout())) {
                lastDone = report(writers.committed(), lastDone, range.total(), started, listener);
            }
            report(writers.committed(), lastDone, range.total(), started, listener);
        } finally {
            writers.stop();
        }
        BackfillSummary summary = tally.summary(Duration.ofNanos(System.nanoTime() - started), dryRun);
        log.info("{}: done {}", runId, summary);
        return summary;
    }

    private static long report(long done, long lastDone, long total, long started, BackfillListener listener) {
        if (done != lastDone) {
            listener.onProgress(progress(done, total, started));
        }
        return done;
    }

    /**
     * The writer threads of one replay. Each owns the partitions whose number modulo the writer count is its index, so
     * every key (a key lives in one partition) is written by one writer, in offset order. A writer retries a failing batch
     * (never skips it) until giveUpAfter; then, or on any other failure, the replay stops with that failure.
     */
    private final class Writers {
        private static final int QUEUED_BATCHES_PER_WRITER = 2;
        private final List<BlockingQueue<List<ConsumerRecord<byte[], byte[]>>>> queues = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicLong committed = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final List<ConsumerRecord<byte[], byte[]>> end = new ArrayList<>(0);

        Writers(int count, java.util.function.Supplier<BatchProcessor> processors, Tally tally, String runId) {
            for (int i = 0; i < count; i++) {
                BlockingQueue<List<ConsumerRecord<byte[], byte[]>>> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES_PER_WRITER);
                BatchProcessor processor = processors.get();
                queues.add(queue);
                Thread thread = new Thread(() -> write(queue, processor, tally, runId), runId + "-writer-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void write(BlockingQueue<List<ConsumerRecord<byte[], byte[]>>> queue, BatchProcessor processor, Tally tally,
                           String runId) {
            try {
                while (true) {
                    List<ConsumerRecord<byte[], byte[]>> batch = queue.take();
                    if (batch == end) {
                        return;
                    }
                    tally.add(processWithRetry(processor, batch, runId));
                    committed.addAndGet(batch.size()); // only now: its transaction committed
                }
            } catch (InterruptedException e) {
                failure.compareAndSet(null, e);
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            }
        }

        /** Hands each partition's records to its writer; blocks while that writer has enough queued. */
        void dispatch(List<ConsumerRecord<byte[], byte[]>> batch) throws InterruptedException {
            if (batch.isEmpty()) {
                return;
            }
            List<List<ConsumerRecord<byte[], byte[]>>> parts = new ArrayList<>(queues.size());
            for (int i = 0; i < queues.size(); i++) {
                parts.add(new ArrayList<>());
            }
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                parts.get(Math.floorMod(r.partition(), queues.size())).add(r);
            }
            for (int i = 0; i < parts.size(); i++) {
                if (!parts.get(i).isEmpty()) {
                    put(queues.get(i), parts.get(i));
                }
            }
        }

        private void put(BlockingQueue<List<ConsumerRecord<byte[], byte[]>>> queue, List<ConsumerRecord<byte[], byte[]>> part)
                throws InterruptedException {
            while (!queue.offer(part, settings.pollTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                rethrowFailure();
            }
            rethrowFailure();
        }

        /** Records whose transaction committed. */
        long committed() {
            return committed.get();
        }

        /** No more batches: each writer ends after the ones it has. */
        void finish() throws InterruptedException {
            for (BlockingQueue<List<ConsumerRecord<byte[], byte[]>>> queue : queues) {
                put(queue, end);
            }
        }

        /** @return true once every writer ended; throws the first writer's failure */
        boolean awaitDone(Duration wait) throws InterruptedException {
            for (Thread thread : threads) {
                thread.join(Math.max(1, wait.toMillis()));
                rethrowFailure();
                if (thread.isAlive()) {
                    return false;
                }
            }
            return true;
        }

        /** Interrupts and joins every writer (after a failure or an interrupt; a no-op once they ended). */
        void stop() throws InterruptedException {
            threads.forEach(Thread::interrupt);
            for (Thread thread : threads) {
                thread.join();
            }
        }

        private void rethrowFailure() throws InterruptedException {
            Throwable f = failure.get();
            if (f == null) {
                return;
            }
            if (f instanceof InterruptedException) {
                throw new InterruptedException("a backfill writer was interrupted");
            }
            if (f instanceof BackfillException b) {
                throw b;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new BackfillException("a backfill writer failed: " + redactor.describe(f)
                    + ". What was committed stays; rerunning the backfill is safe.", f);
        }
    }

    private BatchResult processWithRetry(BatchProcessor processor, List<ConsumerRecord<byte[], byte[]>> batch,
                                         String runId) throws InterruptedException {
        Backoff.Attempts attempts = settings.retry().attempts();
        long firstFailure = 0;
        while (true) {
            try {
                return processor.process(batch);
            } catch (SQLException | RuntimeException e) {
                long now = System.nanoTime();
                if (attempts.count() == 0) {
                    firstFailure = now;
                    log.warn("{}: SSOT write of a batch of {} records failed; retrying it with backoff", runId,
                            batch.size(), e);
                } else if (Duration.ofNanos(now - firstFailure).compareTo(giveUpAfter) > 0) {
                    throw new BackfillException(runId + ": SSOT write kept failing for " + giveUpAfter.toSeconds()
                            + "s (" + attempts.count() + " attempts): " + redactor.describe(e)
                            + ". What was committed stays; rerunning the backfill is safe.", e);
                }
                attempts.pause();
            }
        }
    }

    private static BackfillProgress progress(long done, long total, long startedNanos) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        Optional<Duration> eta = rate > 0 ? Optional.of(Duration.ofMillis((long) ((total - done) / rate * 1000)))
                : Optional.empty();
        return new BackfillProgress(done, total, rate, eta);
    }

    /** What the batches of one replay did, added up. */
    private static final class Tally {
        private long records;
        private long inserted;
        private long updated;
        private long unchanged;
        private long deadLettered;

        synchronized void add(BatchResult result) {
            records += result.records();
            inserted += result.counts().inserted();
            updated += result.counts().updated();
            unchanged += result.counts().unchanged();
            deadLettered += result.rejected();
        }

        synchronized BackfillSummary summary(Duration elapsed, boolean dryRun) {
            return new BackfillSummary(records, inserted, updated, unchanged, deadLettered, elapsed, dryRun);
        }
    }
}

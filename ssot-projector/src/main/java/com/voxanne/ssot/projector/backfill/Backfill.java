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
import com.voxanne.ssot.projector.store.RefusingBatchWrite;
import com.voxanne.ssot.projector.store.SsotWriter;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
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

    /**
     * @param dataSource used, not owned
     * @param registry   where dead-letter and failure counts go (the CLI can pass a fresh registry)
     */
    public Backfill(KafkaClients kafka, Topic<String, NumberProvisioned> topic, DataSource dataSource,
                    MeterRegistry registry, Redactor redactor, ProjectorSettings settings, Duration giveUpAfter) {
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
                DEFAULT_GIVE_UP_AFTER);
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
            BatchProcessor processor = processor(dryRun, dlqProducer);
            return replay(consumer, processor, from, dryRun, listener, started, runId);
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
        return new BatchProcessor(dataSource, decoder, new RefusingBatchWrite(SsotWriter.BACKFILL), park, true);
    }

    private Map<String, Object> consumerProperties(String runId) {
        Map<String, Object> props = kafka.consumer(runId, runId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign() only: no group, no commits, the live group untouched
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        return props;
    }

    private BackfillSummary replay(KafkaConsumer<byte[], byte[]> consumer, BatchProcessor processor, StartFrom from,
                                   boolean dryRun, BackfillListener listener, long started, String runId)
            throws InterruptedException {
        ReplayRange range = ReplayRange.of(consumer, topic.name(), from);
        log.info("{}: replaying {} records of {} {} (dry run: {})", runId, range.total(), topic.name(), from, dryRun);
        range.assignTo(consumer);
        Tally tally = new Tally();
        long lastDone = -1;
        long lastProgressAt = System.nanoTime();
        while (!range.finished()) {
            List<ConsumerRecord<byte[], byte[]>> batch = range.inRange(consumer.poll(settings.pollTimeout()));
            if (!batch.isEmpty()) {
                tally.add(processWithRetry(processor, batch, runId));
            }
            long done = range.advance(consumer);
            if (done != lastDone) {
                lastDone = done;
                lastProgressAt = System.nanoTime();
                listener.onProgress(progress(done, range.total(), started));
            } else if (Duration.ofNanos(System.nanoTime() - lastProgressAt).compareTo(giveUpAfter) > 0) {
                throw new BackfillException(runId + ": no records could be read from " + topic.name() + " for "
                        + giveUpAfter.toSeconds() + "s with " + (range.total() - done) + " still to read; is Kafka"
                        + " reachable? Rerunning the backfill is safe.");
            }
        }
        BackfillSummary summary = tally.summary(Duration.ofNanos(System.nanoTime() - started), dryRun);
        log.info("{}: done {}", runId, summary);
        return summary;
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

        void add(BatchResult result) {
            records += result.records();
            inserted += result.counts().inserted();
            updated += result.counts().updated();
            unchanged += result.counts().unchanged();
            deadLettered += result.rejected();
        }

        BackfillSummary summary(Duration elapsed, boolean dryRun) {
            return new BackfillSummary(records, inserted, updated, unchanged, deadLettered, elapsed, dryRun);
        }
    }
}

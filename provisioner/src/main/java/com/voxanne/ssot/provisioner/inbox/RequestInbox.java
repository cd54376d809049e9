package com.voxanne.ssot.provisioner.inbox;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.platform.tracing.TraceParent;
import com.voxanne.ssot.provisioner.inbox.RequestDecoder.Decoded;
import com.voxanne.ssot.provisioner.inbox.RequestDecoder.Received;
import com.voxanne.ssot.provisioner.inbox.RequestDecoder.Undecodable;
import com.voxanne.ssot.provisioner.saga.RequestValidator;
import com.voxanne.ssot.provisioner.saga.SagaMetrics;
import com.voxanne.ssot.provisioner.store.DataConflictException;
import com.voxanne.ssot.provisioner.store.InboxStore;
import com.voxanne.ssot.provisioner.store.InboxStore.Entry;
import com.voxanne.ssot.provisioner.store.InboxStore.Outcome;
import com.voxanne.ssot.provisioner.store.StoreException;
import com.voxanne.ssot.provisioner.tracing.ProvisionerTracing;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.registry.SchemaRegistryUnavailableException;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka side of the provisioner: reads ProvisionNumberRequests and records each one durably in
 * provisioning_requests, then commits the offsets, and does nothing else (no provider call ever waits here).
 *
 * <p>Per poll: decode (undecodable bytes, or a request without a requestId, go to the DLQ), validate (an invalid
 * request is recorded as REJECTED, which produces its result, and a copy goes to the DLQ), record the batch in one
 * transaction ({@code ON CONFLICT DO NOTHING}: duplicates collapse), park the dead letters, and only then commit.
 * If the database or the DLQ fails, the consumer seeks back to the batch and retries with backoff: no record is
 * skipped and none is acknowledged before it is recorded.
 */
public final class RequestInbox implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(RequestInbox.class);
    static final String REJECTED_ERROR_CLASS = "RequestValidation";

    /**
     * What the inbox reads and how it waits out a batch it cannot record.
     *
     * @param deadLetterAttempts tries of a batch whose dead letter Kafka refuses before the inbox stops
     */
    public record Settings(String topic, Backoff retry, int deadLetterAttempts) {
    }

    /** What the inbox works with. */
    public record Collaborators(Consumer<byte[], byte[]> consumer, InboxStore store, RequestValidator validator,
                                Deserializer<SpecificRecord> serde, DeadLetters deadLetters, SagaMetrics metrics,
                                Redactor redactor, ProvisionerTracing tracing) {
    }

    /** Whom the inbox tells about a recorded batch: new sagas to run, results to publish. */
    public record Wakeups(Runnable newSagas, Runnable results) {
    }

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Backoff backoff;
    private final int deadLetterAttempts;
    private final InboxStore store;
    private final RequestValidator validator;
    private final RequestDecoder decoder;
    private final DeadLetters deadLetters;
    private final SagaMetrics metrics;
    private final Redactor redactor;
    private final Wakeups wakeups;
    private final ProvisionerTracing tracing;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch firstPoll = new CountDownLatch(1);
    private final AtomicReference<String> problem = new AtomicReference<>();
    private volatile boolean running = true;

    public RequestInbox(Settings settings, Collaborators parts, Wakeups wakeups) {
        this.consumer = parts.consumer();
        this.topic = settings.topic();
        this.backoff = settings.retry();
        this.deadLetterAttempts = settings.deadLetterAttempts();
        this.store = parts.store();
        this.validator = parts.validator();
        this.decoder = new RequestDecoder(parts.serde());
        this.deadLetters = parts.deadLetters();
        this.metrics = parts.metrics();
        this.redactor = parts.redactor();
        this.wakeups = wakeups;
        this.tracing = parts.tracing();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic));
            int failures = 0;
            DeadLetters.RefusalStreak refusals = new DeadLetters.RefusalStreak(topic, "PROVISIONER_DLQ_MAX_ATTEMPTS",
                    deadLetterAttempts, redactor);
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                firstPoll.countDown();
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    handle(records);
                    commit(records);
                    if (problem.getAndSet(null) != null) {
                        log.info("Request inbox recovered: recording requests again");
                    }
                    failures = 0;
                    refusals.reset();
                } catch (StoreException | DeadLetters.DeadLetterException | SchemaRegistryUnavailableException e) {
                    String why = redactor.describe(e);
                    if (refusals.failedAndExhausted(e)) {
                        problem.set(refusals.reason());
                        log.error("Request inbox {}", problem.get());
                        return;
                    }
                    if (problem.getAndSet(why) == null) {
                        log.warn("Request inbox cannot record a batch of {} records; will retry it with backoff (nothing is committed): {}",
                                records.count(), why, e);
                    }
                    seekBack(records);
                    if (!pause(backoff.delay(failures++))) {
                        return;
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (KafkaException e) {
            problem.set(redactor.describe(e));
            log.error("Request inbox stopped: Kafka consumer failed", e);
        } catch (RuntimeException e) {
            problem.set(redactor.describe(e));
            log.error("Request inbox stopped by an unexpected error; nothing after the last committed offset is lost", e);
        } finally {
            firstPoll.countDown();
            consumer.close();
            stopped.countDown();
        }
    }

    /** Decode, validate, record in one transaction, then settle each outcome (DLQ copies, logs, metrics, wakeups). */
    private void handle(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        Decoded batch = decoder.decode(records);
        List<Entry> entries = validate(batch.requests());
        List<Outcome> outcomes = record(entries, batch.requests());
        Tally tally = new Tally();
        for (int i = 0; i < entries.size(); i++) {
            settle(entries.get(i), outcomes.get(i), batch.requests().get(i).source(), tally);
        }
        for (Undecodable u : batch.undecodable()) {
            deadLetters.park(u.source(), "decode", u.why(), UndecodableRecordException.class.getName());
            log.warn("Dead-lettered an undecodable provisioning request {}-{}@{}: {}", u.source().topic(), u.source().partition(),
                    u.source().offset(), redactor.redact(u.why()));
        }
        metrics.inbox("recorded", tally.fresh);
        metrics.inbox("rejected", tally.rejected);
        metrics.inbox("duplicate", tally.duplicates);
        metrics.inbox("dead_lettered", batch.undecodable().size());
        if (tally.fresh > 0) {
            wakeups.newSagas().run();
        }
        if (tally.results) {
            wakeups.results().run();
        }
    }

    /** What a batch did, for the metrics and the wakeups. */
    private static final class Tally {
        int fresh;
        int rejected;
        int duplicates;
        boolean results;
    }

    /** Each request as it is recorded: valid, or REJECTED with the (redacted) reason. */
    private List<Entry> validate(List<Received> requests) {
        Set<String> orgs = store.existingOrganizations(requests.stream()
                .map(r -> RequestValidator.canonicalOrgId(r.orgId()))
                .flatMap(Optional::stream)
                .distinct()
                .toList());
        List<Entry> entries = new ArrayList<>(requests.size());
        for (Received r : requests) {
            if (r.request() instanceof ReleaseNumberRequest release) {
                entries.add(releaseEntry(r, release, orgs));
                continue;
            }
            RequestValidator.Verdict v = validator.validate((ProvisionNumberRequest) r.request(), orgs::contains);
            String rejection = v.rejection().map(redactor::redact).orElse(null);
            // the request's trace starts (or, with a traceparent header, continues) here, and is kept with the saga
            TraceParent trace = tracing.validated(r.source(), v.requestId(), v.orgId(), rejection).orElse(null);
            entries.add(new Entry(v.requestId(), v.orgId(), v.countryCode(), v.areaCode(), v.friendlyName(), v.requestedAt(),
                    rejection, trace));
        }
        return entries;
    }

    private static String kindName(Entry e) {
        return e.kind() == com.voxanne.ssot.provisioner.store.SagaKind.RELEASE ? "release" : "provisioning";
    }

    /** A release request as it is recorded: RECEIVED (the saga validates the number itself) or REJECTED for its shape. */
    private Entry releaseEntry(Received r, ReleaseNumberRequest release, Set<String> orgs) {
        RequestValidator.ReleaseVerdict v = validator.validateRelease(release, orgs::contains);
        String rejection = v.rejection().map(redactor::redact).orElse(null);
        TraceParent trace = tracing.validated(r.source(), v.requestId(), v.orgId(), rejection).orElse(null);
        return Entry.release(v.requestId(), v.orgId(), v.phoneNumber(), v.reason(), v.requestedAt(), rejection, trace);
    }

    /** One recorded entry's aftermath; a null outcome was refused by the database and is dead-lettered already. */
    private void settle(Entry e, Outcome outcome, ConsumerRecord<byte[], byte[]> source, Tally tally) throws InterruptedException {
        if (outcome == null) {
            return;
        }
        if (e.rejected()) {
            // parked on every delivery: a crash between the commit and the park must not lose the DLQ copy
            deadLetters.park(source, "validate", e.rejection(), REJECTED_ERROR_CLASS);
        }
        switch (outcome) {
            case NEW -> {
                if (e.rejected()) {
                    tally.rejected++;
                    tally.results = true;
                    metrics.outcome(ProvisioningStatus.REJECTED, FailurePoint.REQUEST_VALIDATION);
                    log.warn("Rejected {} request: org={} request={} ({}-{}@{}): {}", kindName(e), e.orgId(), e.requestId(),
                            source.topic(), source.partition(), source.offset(), e.rejection());
                } else {
                    tally.fresh++;
                }
            }
            case DUPLICATE -> {
                tally.duplicates++;
                log.info("Duplicate {} request ignored (already recorded): org={} request={}", kindName(e), e.orgId(), e.requestId());
            }
            case DUPLICATE_RESULT_REARMED -> {
                tally.duplicates++;
                tally.results = true;
                log.info("Duplicate of a finished {} request: its result is published again. org={} request={}",
                        kindName(e), e.orgId(), e.requestId());
            }
            default -> throw new IllegalStateException("unknown inbox outcome " + outcome);
        }
    }

    /**
     * Records the batch in one transaction. If the database refuses the data (a value PostgreSQL cannot store), the
     * entries are recorded one by one and the ones refused are dead-lettered (their outcome is null), so one poison
     * record never blocks the partition.
     */
    private List<Outcome> record(List<Entry> entries, List<Received> decoded) throws InterruptedException {
        if (entries.isEmpty()) {
            return List.of();
        }
        try {
            return store.record(entries);
        } catch (DataConflictException batchRefused) {
            List<Outcome> outcomes = new ArrayList<>(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                try {
                    outcomes.add(store.record(List.of(entries.get(i))).get(0));
                } catch (DataConflictException refused) {
                    ConsumerRecord<byte[], byte[]> source = decoded.get(i).source();
                    deadLetters.park(source, "record", refused.getMessage(), DataConflictException.class.getName());
                    metrics.inbox("dead_lettered", 1);
                    log.warn("Dead-lettered a provisioning request the database refuses to store {}-{}@{}: {}", source.topic(),
                            source.partition(), source.offset(), redactor.redact(refused.getMessage()));
                    outcomes.add(null);
                }
            }
            return outcomes;
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private void seekBack(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
        }
    }

    /**
     * Commits after the batch is recorded. A failed commit (rebalance, broker unreachable) loses nothing: the records
     * are in the database, a redelivery collapses on the request_id, and the next commit moves the offsets on.
     */
    private void commit(ConsumerRecords<byte[], byte[]> records) {
        try {
            consumer.commitSync(nextOffsets(records));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            log.warn("Could not commit the offsets of {} recorded requests; they may be redelivered and will be recognised as duplicates: {}",
                    records.count(), redactor.describe(e));
        }
    }

    /** Waits {@code d}; false if the inbox is stopping. */
    private boolean pause(Duration d) throws InterruptedException {
        return !stopSignal.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until the consumer has polled once (it has joined its group), up to {@code timeout}. */
    public boolean awaitFirstPoll(Duration timeout) throws InterruptedException {
        return firstPoll.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The problem the inbox is retrying, if any. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem.get());
    }

    public boolean isStopped() {
        return stopped.getCount() == 0;
    }

    /** Stops after the batch in hand (recorded and committed, or left for redelivery); waits up to {@code timeout}. */
    public void stop(Duration timeout) throws InterruptedException {
        running = false;
        stopSignal.countDown();
        consumer.wakeup();
        if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("Request inbox did not stop within {}", timeout);
        }
    }
}

package com.voxanne.ssot.provisioner.inbox;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.provisioner.saga.RequestValidator;
import com.voxanne.ssot.provisioner.saga.SagaMetrics;
import com.voxanne.ssot.provisioner.store.DataConflictException;
import com.voxanne.ssot.provisioner.store.InboxStore;
import com.voxanne.ssot.provisioner.store.InboxStore.Entry;
import com.voxanne.ssot.provisioner.store.InboxStore.Outcome;
import com.voxanne.ssot.provisioner.store.StoreException;
import com.voxanne.ssot.schemas.avro.FailurePoint;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.serde.AvroSerde;
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
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
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

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final InboxStore store;
    private final RequestValidator validator;
    private final AvroSerde<ProvisionNumberRequest> serde;
    private final DeadLetters deadLetters;
    private final SagaMetrics metrics;
    private final Backoff backoff;
    private final Runnable onNewSagas;
    private final Runnable onResults;
    private final Redactor redactor;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch firstPoll = new CountDownLatch(1);
    private final AtomicReference<String> problem = new AtomicReference<>();
    private volatile boolean running = true;

    public RequestInbox(Consumer<byte[], byte[]> consumer, String topic, InboxStore store, RequestValidator validator,
                        AvroSerde<ProvisionNumberRequest> serde, DeadLetters deadLetters, SagaMetrics metrics, Backoff backoff,
                        Runnable onNewSagas, Runnable onResults, Redactor redactor) {
        this.consumer = consumer;
        this.topic = topic;
        this.store = store;
        this.validator = validator;
        this.serde = serde;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.backoff = backoff;
        this.onNewSagas = onNewSagas;
        this.onResults = onResults;
        this.redactor = redactor;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic));
            int failures = 0;
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
                } catch (StoreException | DeadLetters.DeadLetterException e) {
                    String why = redactor.describe(e);
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

    /** One decoded record and what to do with it. */
    private record Received(ConsumerRecord<byte[], byte[]> source, ProvisionNumberRequest request) {
    }

    private void handle(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        List<Received> decoded = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> undecodable = new ArrayList<>();
        Map<ConsumerRecord<byte[], byte[]>, String> undecodableWhy = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Optional<String> why = Optional.empty();
            ProvisionNumberRequest request = null;
            if (record.value() == null) {
                why = Optional.of("null value (tombstone) where a ProvisionNumberRequest was expected");
            } else {
                try {
                    request = serde.deserialize(record.topic(), record.value());
                    if (!RequestValidator.hasUsableRequestId(request)) {
                        why = Optional.of("ProvisionNumberRequest without a usable requestId: no saga can be recorded or answered");
                    }
                } catch (UndecodableRecordException e) {
                    why = Optional.of(e.getMessage());
                }
            }
            if (why.isPresent()) {
                undecodable.add(record);
                undecodableWhy.put(record, why.get());
            } else {
                decoded.add(new Received(record, request));
            }
        }

        Set<String> orgs = store.existingOrganizations(decoded.stream()
                .map(r -> RequestValidator.canonicalOrgId(r.request().getOrgId()))
                .flatMap(Optional::stream)
                .distinct()
                .toList());
        List<Entry> entries = new ArrayList<>(decoded.size());
        for (Received r : decoded) {
            RequestValidator.Verdict v = validator.validate(r.request(), orgs::contains);
            entries.add(new Entry(v.requestId(), v.orgId(), v.countryCode(), v.areaCode(), v.friendlyName(), v.requestedAt(),
                    v.rejection().map(redactor::redact).orElse(null)));
        }
        List<Outcome> outcomes = record(entries, decoded);

        int fresh = 0;
        int rejected = 0;
        int duplicates = 0;
        boolean results = false;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Outcome outcome = outcomes.get(i);
            ConsumerRecord<byte[], byte[]> source = decoded.get(i).source();
            if (outcome == null) {
                continue; // refused by the database and dead-lettered
            }
            if (e.rejected()) {
                // parked on every delivery: a crash between the commit and the park must not lose the DLQ copy
                deadLetters.park(source, "validate", e.rejection(), REJECTED_ERROR_CLASS);
            }
            switch (outcome) {
                case NEW -> {
                    if (e.rejected()) {
                        rejected++;
                        results = true;
                        metrics.outcome(ProvisioningStatus.REJECTED, FailurePoint.REQUEST_VALIDATION);
                        log.warn("Rejected provisioning request: org={} request={} ({}-{}@{}): {}", e.orgId(), e.requestId(),
                                source.topic(), source.partition(), source.offset(), e.rejection());
                    } else {
                        fresh++;
                    }
                }
                case DUPLICATE -> {
                    duplicates++;
                    log.info("Duplicate provisioning request ignored (already recorded): org={} request={}", e.orgId(), e.requestId());
                }
                case DUPLICATE_RESULT_REARMED -> {
                    duplicates++;
                    results = true;
                    log.info("Duplicate of a finished provisioning request: its result is published again. org={} request={}",
                            e.orgId(), e.requestId());
                }
                default -> throw new IllegalStateException("unknown inbox outcome " + outcome);
            }
        }
        for (ConsumerRecord<byte[], byte[]> record : undecodable) {
            String why = undecodableWhy.get(record);
            deadLetters.park(record, "decode", why, UndecodableRecordException.class.getName());
            log.warn("Dead-lettered an undecodable provisioning request {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), redactor.redact(why));
        }
        metrics.inbox("recorded", fresh);
        metrics.inbox("rejected", rejected);
        metrics.inbox("duplicate", duplicates);
        metrics.inbox("dead_lettered", undecodable.size());
        if (fresh > 0) {
            onNewSagas.run();
        }
        if (results) {
            onResults.run();
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

package com.voxanne.ssot.relay.engine;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.relay.metrics.InFlight;
import com.voxanne.ssot.relay.metrics.RelayMetrics;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's batch handler: sends every record of a batch with one idempotent, acks=all producer (so
 * order per key is kept), waits until Kafka has acknowledged all of them, and only then marks them
 * processed and the batch finished, which is what lets the engine commit the WAL position. A send that
 * fails or is not acknowledged in time throws {@link RelayWriteException}: nothing of the batch is
 * acknowledged, the engine stops, and the relay restarts it, re-reading the same changes. A change the relay cannot
 * route is parked on its dead-letter topic in the same batch ({@link RelayDeadLetters}), so one bad change neither
 * stops the relay forever nor is skipped.
 */
public final class KafkaBatchWriter implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    private static final Logger log = LoggerFactory.getLogger(KafkaBatchWriter.class);

    private final Producer<byte[], byte[]> producer;
    private final RecordMapper mapper;
    private final RelayMetrics metrics;
    private final InFlight inFlight;
    private final Duration sendTimeout;
    private final RelayDeadLetters deadLetters;

    public KafkaBatchWriter(Producer<byte[], byte[]> producer, RecordMapper mapper, RelayMetrics metrics,
                            InFlight inFlight, Duration sendTimeout, Redactor redactor) {
        this.deadLetters = new RelayDeadLetters(redactor);
        this.producer = producer;
        this.mapper = mapper;
        this.metrics = metrics;
        this.inFlight = inFlight;
        this.sendTimeout = sendTimeout;
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> events,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        List<RelayRecord> outgoing = new ArrayList<>(events.size());
        long oldest = Long.MAX_VALUE;
        for (RecordChangeEvent<SourceRecord> event : events) {
            Optional<RelayRecord> mapped = route(event.record());
            if (mapped.isPresent()) {
                outgoing.add(mapped.get());
                long ts = mapped.get().sourceTsMicros();
                if (ts > 0 && ts < oldest) {
                    oldest = ts;
                }
            }
        }
        inFlight.begin(oldest == Long.MAX_VALUE ? 0 : oldest, outgoing.size());
        try {
            send(outgoing);
            for (RecordChangeEvent<SourceRecord> event : events) {
                committer.markProcessed(event);
            }
            committer.markBatchFinished();
        } finally {
            inFlight.end();
        }
        count(outgoing);
    }

    private Optional<RelayRecord> route(SourceRecord source) {
        try {
            return mapper.map(source);
        } catch (UnexpectedRecordException e) {
            RelayRecord parked = deadLetters.park(source, e, RecordMapper.sourceTsMicros(source));
            metrics.failed(RelayMetrics.FAILURE_UNROUTABLE);
            log.error("Relay cannot route a change; it goes to {} with the reason, the slot moves on once Kafka has it: {}",
                    parked.record().topic(), parked.context());
            return Optional.of(parked);
        }
    }

    /** Tombstones are part of the contract (a delete is followed by one), so the engine must pass them on. */
    @Override
    public boolean supportsTombstoneEvents() {
        return true;
    }

    private void send(List<RelayRecord> outgoing) throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(outgoing.size());
        for (RelayRecord r : outgoing) {
            try {
                acks.add(producer.send(r.record()));
            } catch (RuntimeException e) {
                metrics.failed(RelayMetrics.FAILURE_KAFKA_WRITE);
                throw new RelayWriteException("could not send the change of " + r.table() + " (" + r.context() + ") to "
                        + r.record().topic(), e);
            }
        }
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        for (int i = 0; i < acks.size(); i++) {
            RelayRecord r = outgoing.get(i);
            try {
                acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                metrics.failed(RelayMetrics.FAILURE_KAFKA_WRITE);
                throw new RelayWriteException("Kafka refused the change of " + r.table() + " (" + r.context() + ") on "
                        + r.record().topic() + "; " + (outgoing.size() - i) + " of " + outgoing.size()
                        + " records of the batch unacknowledged", e.getCause());
            } catch (TimeoutException e) {
                metrics.failed(RelayMetrics.FAILURE_KAFKA_WRITE);
                throw new RelayWriteException("Kafka did not acknowledge the change of " + r.table() + " (" + r.context()
                        + ") on " + r.record().topic() + " within " + sendTimeout + "; " + (outgoing.size() - i) + " of "
                        + outgoing.size() + " records of the batch unacknowledged", e);
            }
        }
    }

    private void count(List<RelayRecord> relayed) {
        Map<String, Integer> byTable = new HashMap<>();
        for (RelayRecord r : relayed) {
            if (RelayDeadLetters.TABLE.equals(r.table())) {
                metrics.deadLettered(r.record().topic()); // counted as a failure when parked, as a dead letter once Kafka has it
                continue;
            }
            byTable.merge(r.table(), 1, Integer::sum);
        }
        byTable.forEach(metrics::relayed);
    }
}

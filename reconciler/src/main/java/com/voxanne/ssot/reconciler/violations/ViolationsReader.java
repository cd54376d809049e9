package com.voxanne.ssot.reconciler.violations;

import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import org.apache.kafka.common.serialization.Deserializer;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./ssot violations [--follow]}: reads {@code ssot.violations} from the beginning as an alert
 * consumer would (read_committed, so only what the reconciler committed), keeping the latest state per
 * key; then, in follow mode, hands every further record to a callback until {@link #stop()}.
 *
 * <p>Uses no consumer group (assigns all partitions, commits nothing). Not thread-safe, except
 * {@link #stop()}, which may be called from any thread (e.g. a shutdown hook). Partitions added to the
 * topic while following are not picked up.
 */
public final class ViolationsReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ViolationsReader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * One record of the topic.
     *
     * @param violation the decoded value; null for a tombstone or an undecodable record
     * @param error     why the record could not be decoded; null when it could
     */
    public record ViolationUpdate(String key, SsotViolation violation, String error, int partition, long offset,
                                  Instant timestamp) {
    }

    /**
     * The topic read up to its end at one moment.
     *
     * @param latest      the latest violation per key (tombstoned keys removed), in key order of first sight
     * @param endOffsets  where the reading stopped, per partition (where {@link #follow(Snapshot, Consumer)} resumes)
     * @param undecodable records that could not be decoded (skipped, reported here)
     */
    public record Snapshot(Map<String, SsotViolation> latest, Map<TopicPartition, Long> endOffsets,
                           List<ViolationUpdate> undecodable) {
        public Snapshot {
            latest = Collections.unmodifiableMap(new LinkedHashMap<>(latest));
            endOffsets = Map.copyOf(endOffsets);
            undecodable = List.copyOf(undecodable);
        }

        /** The violations whose latest state is OPEN (or a state this reader does not know: not resolved). */
        public List<SsotViolation> open() {
            return latest.values().stream().filter(v -> v.getState() != ViolationState.RESOLVED).toList();
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Deserializer<SsotViolation> serde;
    private volatile boolean stopped;

    /** A reader of {@code topic} in single-object encoding only (no registry): prefer {@link #ViolationsReader(KafkaClients, Topic)}. */
    public ViolationsReader(KafkaClients kafka, String topic) {
        this(kafka, topic, AvroSerde.of(SsotViolation.class));
    }

    /** A reader of the deployment's violations topic, decoding both wire formats through its serde. */
    public ViolationsReader(KafkaClients kafka, Topic<String, SsotViolation> topic) {
        this(kafka, topic.name(), topic.valueSerde().deserializer());
    }

    private ViolationsReader(KafkaClients kafka, String topic, Deserializer<SsotViolation> serde) {
        this.serde = serde;
        Map<String, Object> props = new HashMap<>(kafka.common());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "ssot-violations-reader");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
    }

    /**
     * Reads the whole topic up to its current end.
     *
     * @throws ViolationsReadException when the topic does not exist or its end is not reached in time
     */
    public Snapshot snapshot(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        List<TopicPartition> partitions = assignAll(timeout);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<String, SsotViolation> latest = new LinkedHashMap<>();
        List<ViolationUpdate> undecodable = new ArrayList<>();
        while (!reached(end)) {
            if (Instant.now().isAfter(deadline)) {
                throw new ViolationsReadException("could not read " + topic + " to its end within " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                ViolationUpdate update = decode(record);
                if (update.error() != null) {
                    undecodable.add(update);
                } else if (update.violation() == null) {
                    latest.remove(update.key());
                } else {
                    latest.put(update.key(), update.violation());
                }
            }
        }
        return new Snapshot(latest, end, undecodable);
    }

    /**
     * Delivers every record after the snapshot (or from the beginning when {@code from} is null) to
     * {@code onUpdate}, until {@link #stop()}. Blocks the calling thread.
     */
    public void follow(Snapshot from, Consumer<ViolationUpdate> onUpdate) {
        List<TopicPartition> partitions = from == null ? assignAll(Duration.ofSeconds(30)) : List.copyOf(consumer.assignment());
        if (from == null) {
            consumer.seekToBeginning(partitions);
        } else {
            from.endOffsets().forEach(consumer::seek);
        }
        try {
            while (!stopped) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    onUpdate.accept(decode(record));
                }
            }
        } catch (WakeupException e) {
            if (!stopped) {
                throw e;
            }
        }
    }

    /** Ends {@link #follow} (from any thread). */
    public void stop() {
        stopped = true;
        consumer.wakeup();
    }

    private List<TopicPartition> assignAll(Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new ViolationsReadException("topic " + topic + " does not exist (has the reconciler run yet?)");
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        return partitions;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private ViolationUpdate decode(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        Instant ts = Instant.ofEpochMilli(record.timestamp());
        try {
            return new ViolationUpdate(key, serde.deserialize(record.topic(), record.value()), null, record.partition(),
                    record.offset(), ts);
        } catch (UndecodableRecordException e) {
            log.warn("Undecodable violation record key={} partition={} offset={}: {}", key, record.partition(),
                    record.offset(), e.getMessage());
            return new ViolationUpdate(key, null, e.getMessage(), record.partition(), record.offset(), ts);
        }
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }

    /** The violations topic could not be read (missing, unreachable). */
    public static final class ViolationsReadException extends RuntimeException {
        public ViolationsReadException(String message) {
            super(message);
        }
    }
}

package com.voxanne.ssot.cli.tail;

import com.voxanne.ssot.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one topic for {@code ./ssot tail}, as raw bytes: every partition assigned (no consumer group, nothing
 * committed, no topic auto-created), {@code read_committed}, so only what producers committed. The catch-up reads
 * ({@link #last}, {@link #fromBeginning}) stop at the end offsets read when they start, so they always end: they stop
 * at the consumer's position, never at a record count, because transaction markers and compaction leave offsets
 * without a record. {@link #follow} then reads on from those ends until {@link #stop()}.
 *
 * <p>Not thread-safe, except {@link #stop()}, which may be called from any thread (a signal handler). Partitions added
 * to the topic while it is read are not picked up.
 */
public final class TopicTail implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    /** A catch-up read that makes no progress for this long gives up (Kafka gone, a partition without a leader). */
    static final Duration STALL = Duration.ofSeconds(60);

    /** Where records go, in order per partition; {@code false} when no more are wanted (enough shown, output closed). */
    @FunctionalInterface
    public interface Sink {
        boolean accept(ConsumerRecord<byte[], byte[]> record);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final List<TopicPartition> partitions;
    private Map<TopicPartition, Long> ends;
    private volatile boolean stopped;

    private TopicTail(KafkaConsumer<byte[], byte[]> consumer, String topic, List<TopicPartition> partitions) {
        this.consumer = consumer;
        this.topic = topic;
        this.partitions = partitions;
    }

    /**
     * Assigns every partition of {@code topic}, with the deployment's Kafka client settings (TLS, SASL).
     *
     * @throws MissingTopicException when the topic does not exist
     * @throws TailException         when Kafka does not answer in time
     */
    public static TopicTail open(KafkaClients kafka, String topic) {
        Map<String, Object> props = new HashMap<>(kafka.common());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // a position that retention deleted: go on from the start
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "ssot-tail");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
            } catch (TimeoutException e) {
                throw new TailException("Kafka at " + kafka.bootstrapServers() + " did not tell the partitions of " + topic
                        + " within " + METADATA_TIMEOUT.toSeconds() + " s: " + e.getMessage(), e);
            }
            if (infos == null || infos.isEmpty()) {
                throw new MissingTopicException(topic, kafka.bootstrapServers());
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            consumer.assign(partitions);
            return new TopicTail(consumer, topic, partitions);
        } catch (RuntimeException e) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            throw e;
        }
    }

    public List<TopicPartition> partitions() {
        return partitions;
    }

    /**
     * The last {@code n} records of each partition (fewer where it has fewer), partition by partition in offset order.
     * Where transaction markers or compaction leave gaps in the last {@code n} offsets, it reads further back until it
     * has {@code n} records or reaches the start of the partition.
     */
    public void last(int n, Sink sink) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, was " + n);
        }
        untilStopped(() -> {
            Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions, METADATA_TIMEOUT);
            ends = consumer.endOffsets(partitions, METADATA_TIMEOUT);
            Map<TopicPartition, Deque<ConsumerRecord<byte[], byte[]>>> last = new HashMap<>();
            Map<TopicPartition, Long> window = new HashMap<>();
            partitions.forEach(tp -> window.put(tp, (long) n));
            List<TopicPartition> pending = new ArrayList<>(partitions);
            while (!pending.isEmpty() && !stopped) {
                Map<TopicPartition, Long> from = new LinkedHashMap<>();
                pending.forEach(tp -> from.put(tp, Math.max(begins.get(tp), ends.get(tp) - window.get(tp))));
                Map<TopicPartition, Deque<ConsumerRecord<byte[], byte[]>>> read = new HashMap<>();
                pending.forEach(tp -> read.put(tp, new ArrayDeque<>(n)));
                readUpToEnds(from, record -> {
                    Deque<ConsumerRecord<byte[], byte[]>> kept = read.get(new TopicPartition(record.topic(), record.partition()));
                    if (kept.size() == n) {
                        kept.removeFirst();
                    }
                    kept.addLast(record);
                    return true;
                });
                for (TopicPartition tp : List.copyOf(pending)) {
                    if (read.get(tp).size() >= n || from.get(tp) <= begins.get(tp)) {
                        last.put(tp, read.get(tp));
                        pending.remove(tp);
                    } else {
                        window.put(tp, Math.min(ends.get(tp) - begins.get(tp), window.get(tp) * 4)); // go further back
                    }
                }
            }
            for (TopicPartition tp : partitions) {
                for (ConsumerRecord<byte[], byte[]> record : last.getOrDefault(tp, new ArrayDeque<>())) {
                    if (stopped || !sink.accept(record)) {
                        return;
                    }
                }
            }
        });
    }

    /** Every record from the start of each partition to its end, as they come (in offset order within a partition). */
    public void fromBeginning(Sink sink) {
        untilStopped(() -> {
            Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions, METADATA_TIMEOUT);
            ends = consumer.endOffsets(partitions, METADATA_TIMEOUT);
            readUpToEnds(begins, sink::accept);
        });
    }

    /**
     * Every record after the ends the catch-up read stopped at (the current ends if there was none), until
     * {@link #stop()} or until {@code sink} wants no more. Blocks the calling thread.
     */
    public void follow(Sink sink) {
        untilStopped(() -> {
            consumer.resume(partitions);
            if (ends == null) {
                consumer.seekToEnd(partitions);
            } else {
                ends.forEach(consumer::seek);
            }
            while (!stopped) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (stopped || !sink.accept(record)) {
                        stopped = true;
                        return;
                    }
                }
            }
        });
    }

    /** Ends {@link #follow} (or a catch-up read) soon; from any thread. */
    public void stop() {
        stopped = true;
        consumer.wakeup();
    }

    public boolean stopped() {
        return stopped;
    }

    /**
     * Reads each partition of {@code from} from that offset up to {@link #ends} (exclusive), handing every record to
     * {@code handler} until it says stop. A partition that reached its end is paused, so nothing past it is fetched.
     */
    private void readUpToEnds(Map<TopicPartition, Long> from, Predicate<ConsumerRecord<byte[], byte[]>> handler) {
        consumer.pause(partitions);
        List<TopicPartition> reading = new ArrayList<>();
        from.forEach((tp, offset) -> {
            if (offset < ends.get(tp)) {
                consumer.seek(tp, offset);
                reading.add(tp);
            }
        });
        consumer.resume(reading);
        Map<TopicPartition, Long> lastPositions = new HashMap<>();
        long lastProgress = System.nanoTime();
        while (!reading.isEmpty() && !stopped) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (record.offset() < ends.get(tp) && !handler.test(record)) {
                    stopped = true;
                    return;
                }
            }
            for (TopicPartition tp : List.copyOf(reading)) {
                long position = consumer.position(tp, METADATA_TIMEOUT);
                if (!Long.valueOf(position).equals(lastPositions.put(tp, position))) {
                    lastProgress = System.nanoTime();
                }
                if (position >= ends.get(tp)) {
                    consumer.pause(List.of(tp));
                    reading.remove(tp);
                }
            }
            if (!reading.isEmpty() && System.nanoTime() - lastProgress > STALL.toNanos()) {
                throw new TailException("no progress reading " + topic + " for " + STALL.toSeconds() + " s (is Kafka reachable?"
                        + " does every partition have a leader?); still to read: "
                        + reading.stream().map(tp -> tp.partition() + " at " + lastPositions.get(tp) + " of " + ends.get(tp)).toList());
            }
        }
    }

    /** Runs {@code read}; a {@link WakeupException} from {@link #stop()} just ends it. */
    private void untilStopped(Runnable read) {
        try {
            read.run();
        } catch (WakeupException e) {
            if (!stopped) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }

    /** The topic could not be read (Kafka not answering, no progress). */
    public static class TailException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public TailException(String message) {
            super(message);
        }

        public TailException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The topic does not exist on this Kafka. */
    public static final class MissingTopicException extends TailException {
        private static final long serialVersionUID = 1L;

        MissingTopicException(String topic, String bootstrapServers) {
            super("topic " + topic + " does not exist on Kafka at " + bootstrapServers
                    + " (has `./ssot setup` or `./ssot up` run with these TOPIC_* names?)");
        }
    }
}

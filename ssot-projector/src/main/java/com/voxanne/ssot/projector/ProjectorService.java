package com.voxanne.ssot.projector;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.metrics.KafkaClientMeters;
import com.voxanne.ssot.platform.service.Closer;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.Lifecycle;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.consumer.BatchProcessor;
import com.voxanne.ssot.projector.consumer.DeadLetterRejections;
import com.voxanne.ssot.projector.consumer.ProjectorMetrics;
import com.voxanne.ssot.projector.consumer.ProjectorState;
import com.voxanne.ssot.projector.consumer.ProjectorWorker;
import com.voxanne.ssot.projector.consumer.RecordDecoder;
import com.voxanne.ssot.projector.store.EventValidator;
import com.voxanne.ssot.projector.store.RefusingBatchWrite;
import com.voxanne.ssot.projector.store.SsotPool;
import com.voxanne.ssot.projector.store.SsotWriter;
import com.voxanne.ssot.projector.tracing.BatchTracing;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSOT projector as the CLI runs it: consumes {@code telephony.numbers.provisioned} and makes every
 * NumberProvisioned an {@code org_credentials} row. This is the write the old system swallowed; here it is
 * mandatory (see {@link ProjectorWorker}): never skipped, offsets only after commit, poison records to the
 * DLQ. Several instances in one consumer group are safe (per-partition order plus the version guard).
 *
 * <p>Build it with {@link #create(ServiceContext)}; {@link #start()} returns once the consumer has
 * joined its group; {@link #close()} stops the loop and closes consumer, producer and pool in reverse order.
 * Start and close are synchronized so that a close from another thread (a shutdown hook) waits for a start in
 * progress rather than racing it: every part a start opens is registered with the closer before close runs.
 */
public final class ProjectorService implements ManagedService {
    public static final String NAME = "ssot-projector";
    private static final Logger log = LoggerFactory.getLogger(ProjectorService.class);
    /** Enough for the loop to finish the batch being written and close the consumer. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(75);

    private final ProjectorSettings settings;
    private final Topic<String, NumberProvisioned> topic;
    private final KafkaClients kafka;
    private final DataSource dataSource;
    private final MeterRegistry registry;
    private final Redactor redactor;
    private final BatchTracing tracing;
    private final String instanceId = NAME + "-" + UUID.randomUUID().toString().substring(0, 8);
    private final ProjectorState state = new ProjectorState();
    private final Lifecycle lifecycle = new Lifecycle(NAME);
    private final Closer closer = new Closer(NAME);

    /** The consumer until the loop thread has started and owns (and closes) it. */
    private KafkaConsumer<byte[], byte[]> unstartedConsumer;
    private ProjectorMetrics metrics;

    /**
     * @param ownedPool the pool this service opened and closes last, or null when {@code dataSource} is the caller's
     */
    private ProjectorService(ProjectorSettings settings, Topic<String, NumberProvisioned> topic, KafkaClients kafka,
                             DataSource dataSource, HikariDataSource ownedPool, MeterRegistry registry, Redactor redactor,
                             BatchTracing tracing) {
        this.settings = settings;
        this.topic = topic;
        this.kafka = kafka;
        this.dataSource = dataSource;
        this.registry = registry;
        this.redactor = redactor;
        this.tracing = tracing;
        if (ownedPool != null) {
            closer.register("close the connection pool", ownedPool);
        }
    }

    /** The projector of a deployment: settings and topic names from the context, its own connection pool. */
    public static ProjectorService create(ServiceContext context) {
        ProjectorSettings settings = ProjectorSettings.from(context.source());
        Topic<String, NumberProvisioned> topic = context.config().topics().numbersProvisioned();
        HikariDataSource pool = SsotPool.open(context.database(), NAME, settings.poolSize(), settings.connectTimeout());
        return new ProjectorService(settings, topic, context.kafka(), pool, pool, context.metrics(), context.redactor(),
                tracing(context));
    }

    /** The SSOT write's spans, from the process's OpenTelemetry. */
    private static BatchTracing tracing(ServiceContext context) {
        return new BatchTracing(context.tracer("projector"), context.redactor());
    }

    /**
     * The projector of a deployment writing through {@code dataSource} (the seam a harness decorates): used, not owned,
     * the caller closes it.
     */
    public static ProjectorService create(ServiceContext context, DataSource dataSource) {
        return new ProjectorService(ProjectorSettings.from(context.source()),
                context.config().topics().numbersProvisioned(), context.kafka(), dataSource, null,
                context.metrics(), context.redactor(), tracing(context));
    }

    /** A projector that opens (and on close, closes) its own pool of {@code settings.poolSize()} connections. */
    public static ProjectorService withOwnPool(ProjectorSettings settings, Topic<String, NumberProvisioned> topic,
                                               KafkaClients kafka, DatabaseSettings database, MeterRegistry registry,
                                               Redactor redactor) {
        HikariDataSource pool = SsotPool.open(database, NAME, settings.poolSize(), settings.connectTimeout());
        return new ProjectorService(settings, topic, kafka, pool, pool, registry, redactor, BatchTracing.NONE);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public synchronized void start() throws Exception {
        lifecycle.beginStart();
        boolean joined;
        try {
            metrics = new ProjectorMetrics(registry, instanceId);
            closer.onClose("remove the lag gauge", metrics::close);
            Producer<byte[], byte[]> dlqProducer = KafkaClientMeters.producer(registry, kafka.producer(instanceId + "-dlq"),
                    new ByteArraySerializer(), new ByteArraySerializer());
            closer.onClose("close the dead-letter producer", () -> dlqProducer.close(Duration.ofSeconds(10)));
            unstartedConsumer = KafkaClientMeters.consumer(registry, consumerProperties(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            closer.onClose("close the consumer the loop never took", this::closeUnstartedConsumer);
            BatchProcessor processor = new BatchProcessor(dataSource,
                    RecordDecoder.forEventLog(topic, new EventValidator()),
                    new RefusingBatchWrite(SsotWriter.PROJECTOR),
                    new DeadLetterRejections(new DeadLetters(dlqProducer, redactor, settings.dlqTimeout())
                            .counted(registry, ProjectorMetrics.SERVICE, topic.name()), metrics,
                            redactor), true, tracing);
            ProjectorWorker worker = new ProjectorWorker(unstartedConsumer, topic.name(), processor, settings.loop(), metrics,
                    state, redactor, instanceId);
            Thread thread = new Thread(worker, instanceId);
            closer.onClose("stop the consumer loop", () -> stopLoop(worker, thread));
            thread.start();
            unstartedConsumer = null; // the loop owns and closes it now
            joined = state.awaitFirstAssignment(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw Closer.closeAfter(e, this); // nothing half-started is left behind
        }
        if (!joined) {
            String why = state.reason();
            throw Closer.closeAfter(new IllegalStateException(NAME + " did not join consumer group '"
                    + settings.groupId() + "' on " + topic.name() + " within " + settings.startTimeout().toSeconds()
                    + "s (PROJECTOR_START_TIMEOUT)" + (why == null ? "" : ": " + why) + "; is Kafka reachable at "
                    + kafka.bootstrapServers() + "?"), this);
        }
        lifecycle.running();
        log.info("{} running: group {} on {} (batch up to {} records{})", instanceId, settings.groupId(), topic.name(),
                settings.maxPollRecords(), settings.batchDelay().isZero() ? ""
                        : ", TEST/DEMO batch delay " + settings.batchDelay().toMillis() + " ms");
    }

    Map<String, Object> consumerProperties() {
        Map<String, Object> props = kafka.consumer(settings.groupId(), instanceId);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return props;
    }

    @Override
    public ComponentHealth health() {
        return state.health();
    }

    /** Records behind the end of this instance's partitions, as last seen by its loop. */
    public long lag() {
        return metrics == null ? 0 : metrics.lag();
    }

    /** Stops the loop, the parts in the reverse order they started. */
    @Override
    public synchronized void close() {
        if (lifecycle.beginClose()) {
            closer.close();
        }
    }

    private void stopLoop(ProjectorWorker worker, Thread thread) throws InterruptedException {
        worker.stop();
        thread.join(STOP_TIMEOUT.toMillis());
        if (thread.isAlive()) {
            throw new IllegalStateException(instanceId + " loop did not stop within " + STOP_TIMEOUT.toSeconds() + "s");
        }
    }

    private void closeUnstartedConsumer() {
        if (unstartedConsumer != null) {
            unstartedConsumer.close(Duration.ofSeconds(10));
        }
    }
}

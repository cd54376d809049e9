package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.schemas.Topic;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;

/**
 * Remembers that Kafka refused a dead letter (too large, no topic, no ACL), so the stream-thread failure that follows
 * can be told apart from broker trouble: a dead letter refused over and over would otherwise replace stream threads
 * forever, with every partition stalled behind the unreadable record. Every failed send still fails the task (as
 * Kafka Streams' default handler does): nothing is skipped.
 */
public final class DeadLetterRefusals implements ProductionExceptionHandler {
    /** Streams config key of the shared {@link Log} (set by the service). */
    public static final String LOG_CONFIG = "ssot.reconciler.dlq.refusals";

    /** What the handler saw, shared with the service's thread-failure handler. Thread-safe. */
    public static final class Log {
        private volatile String lastRefusal;
        private volatile long refusals;

        void refused(String why) {
            lastRefusal = why;
            refusals++;
        }

        /** Dead letters refused so far. */
        public long refusals() {
            return refusals;
        }

        public Optional<String> lastRefusal() {
            return Optional.ofNullable(lastRefusal);
        }
    }

    private Log log = new Log();
    private Redactor redactor = Redactor.none();

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(LOG_CONFIG) instanceof Log l) {
            log = l;
        }
        if (configs.get(CdcDeadLetterHandler.REDACTOR_CONFIG) instanceof Redactor r) {
            redactor = r;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (record.topic().endsWith(Topic.DLQ_SUFFIX)) {
            log.refused("Kafka refused a dead letter for " + record.topic() + ": " + redactor.describe(exception));
        }
        return Response.fail();
    }
}

package com.voxanne.ssot.projector.consumer;

import com.voxanne.ssot.projector.store.BatchWrite;
import com.voxanne.ssot.projector.store.Candidate;
import com.voxanne.ssot.projector.store.Refusal;
import com.voxanne.ssot.projector.store.UpsertCounts;
import com.voxanne.ssot.projector.store.WriteResult;
import com.voxanne.ssot.projector.tracing.BatchTracing;
import io.opentelemetry.context.Scope;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One poll batch through the SSOT write, the path shared by the live projector and the backfill:
 * decode and validate every record, write all good ones in ONE transaction, and only after COMMIT park
 * the rejects on the dead-letter topic. Any failure is thrown, after rollback, so the caller retries the
 * same batch; since the write is idempotent, redoing a batch whose commit did happen changes nothing.
 */
public final class BatchProcessor {
    private final DataSource dataSource;
    private final RecordDecoder decoder;
    private final BatchWrite write;
    private final RejectionHandler rejections;
    private final boolean commit;
    private final BatchTracing tracing;

    /** A batch processor that makes no spans (the backfill's). */
    public BatchProcessor(DataSource dataSource, RecordDecoder decoder, BatchWrite write, RejectionHandler rejections,
                          boolean commit) {
        this(dataSource, decoder, write, rejections, commit, BatchTracing.NONE);
    }

    /**
     * @param commit false for a dry run: the transaction is rolled back and nothing is parked by this
     *               class beyond what {@code rejections} does (give it a counting handler)
     */
    public BatchProcessor(DataSource dataSource, RecordDecoder decoder, BatchWrite write, RejectionHandler rejections,
                          boolean commit, BatchTracing tracing) {
        this.dataSource = dataSource;
        this.decoder = decoder;
        this.write = write;
        this.rejections = rejections;
        this.commit = commit;
        this.tracing = tracing;
    }

    /**
     * @throws SQLException         the database failed (connection, deadlock, ...): retry the batch
     * @throws InterruptedException interrupted while parking a record
     * @throws RuntimeException     e.g. the dead-letter topic did not take a record: retry the batch
     */
    public BatchResult process(List<ConsumerRecord<byte[], byte[]>> records) throws SQLException, InterruptedException {
        RecordDecoder.Decoded decoded = decoder.decode(records);
        List<Rejection> rejected = new ArrayList<>(decoded.rejections());
        UpsertCounts counts = UpsertCounts.NONE;
        long started = System.nanoTime();
        if (!decoded.candidates().isEmpty()) {
            WriteResult<ConsumerRecord<byte[], byte[]>> result = tracedTransaction(decoded.candidates());
            counts = result.counts();
            for (Refusal<ConsumerRecord<byte[], byte[]>> refusal : result.refused()) {
                Candidate<ConsumerRecord<byte[], byte[]>> c = refusal.candidate();
                rejected.add(new Rejection(c.source(), Rejection.STAGE_SSOT_WRITE, refusal.reason(), refusal.errorClass(),
                        c.row().orgId().toString(), c.row().requestId(), c.row().phoneNumber()));
            }
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - started);
        for (Rejection r : rejected) {
            rejections.reject(r);
        }
        return new BatchResult(records.size(), counts, rejected.size(), latency);
    }

    /** The transaction inside the batch's spans, which end with it (see {@link BatchTracing}). */
    private WriteResult<ConsumerRecord<byte[], byte[]>> tracedTransaction(
            List<Candidate<ConsumerRecord<byte[], byte[]>>> candidates) throws SQLException {
        BatchTracing.Batch spans = tracing.start(candidates);
        WriteResult<ConsumerRecord<byte[], byte[]>> result;
        try (Scope ignored = spans.context().makeCurrent()) {
            result = transaction(candidates);
        } catch (SQLException | RuntimeException e) {
            spans.failed(e);
            throw e;
        }
        spans.committed(result, commit);
        return result;
    }

    private WriteResult<ConsumerRecord<byte[], byte[]>> transaction(
            List<Candidate<ConsumerRecord<byte[], byte[]>>> candidates) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            if (connection.getAutoCommit()) {
                connection.setAutoCommit(false);
            }
            try {
                WriteResult<ConsumerRecord<byte[], byte[]>> result = write.write(connection, candidates);
                if (commit) {
                    connection.commit();
                } else {
                    connection.rollback();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackAfter(connection, e);
                throw e;
            }
        }
    }

    /** Rolls back after a failure; a failing rollback is attached to the original error, not lost. */
    private static void rollbackAfter(Connection connection, Exception cause) {
        try {
            if (!connection.isClosed()) {
                connection.rollback();
            }
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }
}

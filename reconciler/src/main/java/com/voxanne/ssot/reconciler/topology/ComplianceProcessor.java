package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.model.Episode;
import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.NumberObservation;
import com.voxanne.ssot.reconciler.model.OpenViolation;
import com.voxanne.ssot.reconciler.model.ResolvedBy;
import com.voxanne.ssot.reconciler.model.SsotRow;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the stream of joined (managed, SSOT) rows into violation episodes.
 *
 * <p>{@link #process} only records: which active numbers are non-compliant, since when (wall clock),
 * and when the punctuator must look at them (the due index). The wall-clock punctuator is the one place
 * that publishes: OPEN once a number has been non-compliant for the whole grace period, RESOLVED once
 * an open one is compliant, released or gone (or, for an SSOT row with no active managed number behind it, once the row
 * goes or the number is active again). What was published is kept in the open-violations store,
 * which commits with the output (exactly-once), so each episode has one OPEN and one RESOLVED across
 * restarts and rebalances. Stream time plays no part: an idle partition cannot delay an alert.
 *
 * <p>A kind change while OPEN (e.g. MISSING_SSOT_ROW, then a row with the wrong Vapi id) stays the same
 * episode: same {@code missingSince}, no new grace, and the OPEN is published again with the new kind
 * (new deterministic eventId: kind + revision). The episode's RESOLVED comes once, whatever the kinds.
 *
 * <p>Every publication is also written to the compliance timeline (the episodes store, same transaction): an OPEN
 * starts an episode, a kind change updates its kind, the RESOLVED closes it with what resolved it (the writer of the
 * SSOT row that made the number compliant, or {@link ResolvedBy#NUMBER_CHANGED} when the managed number is released or
 * gone). A second wall-clock punctuator purges resolved episodes older than the timeline's retention.
 *
 * <p>Latency and cost: a punctuation that published anything asks for a commit at once ({@link ProcessorContext#commit()})
 * rather than waiting for the commit interval, since under exactly-once an OPEN reaches its consumers only when its
 * transaction commits. Most joined rows are compliant numbers that never were anything else: the keys that have an
 * observation are also kept in memory (rebuilt from the store when the task starts, which Kafka Streams does after
 * restoring it), so such a row costs no store lookup.
 *
 * <p>While the {@link CatchUpGate} is closed nothing is published; observations still record when each
 * number became non-compliant, and due work waits in the index until the gate opens.
 */
final class ComplianceProcessor implements Processor<String, JoinedNumber, String, SsotViolation> {
    /** Bounds the work of one punctuation; the rest is due at the next one. */
    static final int MAX_DUE_PER_PUNCTUATION = 10_000;
    private static final Logger log = LoggerFactory.getLogger(ComplianceProcessor.class);

    private final ReconcilerTopologyConfig config;
    private final long graceMs;
    private ProcessorContext<String, SsotViolation> context;
    private KeyValueStore<String, NumberObservation> observations;
    private KeyValueStore<String, OpenViolation> openViolations;
    private KeyValueStore<String, String> dueIndex;
    private KeyValueStore<String, Episode> episodes;
    private TimestampedKeyValueStore<String, SsotRow> orgCredentials;
    private TimestampedKeyValueStore<String, ManagedNumberRow> managedNumbers;
    private boolean holding;
    /** The keys the observations store holds (the non-compliant ones): a compliant row not in it needs no lookup. */
    private final Set<String> observedKeys = new HashSet<>();

    ComplianceProcessor(ReconcilerTopologyConfig config) {
        this.config = config;
        this.graceMs = config.grace().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, SsotViolation> ctx) {
        this.context = ctx;
        this.observations = ctx.getStateStore(config.stores().observations());
        this.openViolations = ctx.getStateStore(config.stores().openViolations());
        this.dueIndex = ctx.getStateStore(config.stores().dueIndex());
        this.episodes = ctx.getStateStore(config.stores().episodes());
        this.orgCredentials = ctx.getStateStore(config.stores().orgCredentials());
        this.managedNumbers = ctx.getStateStore(config.stores().managedNumbers());
        observedKeys.clear();
        try (KeyValueIterator<String, NumberObservation> it = observations.all()) {
            while (it.hasNext()) {
                observedKeys.add(it.next().key);
            }
        }
        ctx.schedule(config.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
        ctx.schedule(config.timelinePurgeInterval(), PunctuationType.WALL_CLOCK_TIME, this::purgeTimeline);
    }

    @Override
    public void process(Record<String, JoinedNumber> record) {
        String key = record.key();
        if (key == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        JoinedNumber joined = record.value();
        Compliance verdict = joined == null ? Compliance.COMPLIANT : Compliance.ofKey(joined.managed(), joined.ssot());
        NumberObservation previous = observedKeys.contains(key) ? observations.get(key) : null;
        if (!verdict.violation()) {
            if (previous != null) {
                observations.delete(key);
                observedKeys.remove(key);
                if (openViolations.get(key) != null) {
                    schedule(now, key);
                }
                log.debug("SSOT compliant again orgId={} phone={} (was {})", previous.orgId(), previous.phoneNumber(),
                        previous.kind());
            }
            return;
        }
        NumberObservation next = previous == null
                ? NumberObservation.first(joined.managed(), joined.ssot(), verdict, now)
                : previous.next(joined.managed(), joined.ssot(), verdict, now);
        if (next.equals(previous)) {
            return;
        }
        observations.put(key, next);
        observedKeys.add(key);
        if (previous == null || previous.kind() != verdict) {
            OpenViolation open = openViolations.get(key);
            if (open == null) {
                schedule(next.nonCompliantSince() + graceMs, key);
            } else if (open.kind() != verdict) {
                schedule(now, key);
            }
            log.debug("SSOT non-compliant orgId={} phone={} kind={} since={}", next.orgId(), next.phoneNumber(),
                    verdict, next.nonCompliantSince());
        }
    }

    private void schedule(long dueAt, String key) {
        dueIndex.put(DueKeys.of(dueAt, key), key);
    }

    private void punctuate(long now) {
        if (!config.gate().caughtUp()) {
            if (!holding) {
                holding = true;
                log.info("Holding SSOT alerts of task {}: inputs not caught up yet (observations are still recorded)",
                        context.taskId());
                config.listener().holding(true);
            }
            return;
        }
        if (holding) {
            holding = false;
            log.info("Inputs of task {} caught up: SSOT alerts resume", context.taskId());
            config.listener().holding(false);
        }
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = dueIndex.all()) {
            while (it.hasNext() && due.size() < MAX_DUE_PER_PUNCTUATION) {
                KeyValue<String, String> entry = it.next();
                if (DueKeys.dueAt(entry.key) > now) {
                    break;
                }
                due.add(entry);
            }
        }
        boolean published = false;
        for (KeyValue<String, String> entry : due) {
            dueIndex.delete(entry.key);
            published |= reconcile(entry.value, now);
        }
        if (published) {
            // under exactly-once the OPEN/RESOLVED is visible only once its transaction commits: commit now rather than
            // at the end of the commit interval
            context.commit();
        }
    }

    /**
     * Brings what was published for this key in line with what is observed now. Idempotent.
     *
     * @return whether it published anything
     */
    private boolean reconcile(String key, long now) {
        NumberObservation observed = observedKeys.contains(key) ? observations.get(key) : null;
        OpenViolation open = openViolations.get(key);
        if (observed == null) {
            if (open != null) {
                ValueAndTimestamp<SsotRow> ssot = orgCredentials.get(key);
                SsotRow row = ssot == null ? null : ssot.value();
                ResolvedBy resolvedBy = resolvedBy(key, open, row);
                String observedVapiPhoneId = row == null ? null : row.vapiPhoneId();
                context.forward(new Record<>(key, ViolationRecords.resolved(key, open, observedVapiPhoneId, resolvedBy, now),
                        now));
                openViolations.delete(key);
                String episodeKey = EpisodeKeys.of(key, open.openedAt());
                Episode episode = episodes.get(episodeKey);
                // an episode opened before the timeline existed has no entry: it starts on the timeline resolved
                episodes.put(episodeKey, (episode == null ? Episode.opened(open) : episode).resolved(now, resolvedBy));
                log.info("SSOT violation RESOLVED orgId={} phone={} kind={} missingSince={} openFor={}ms resolvedBy={}",
                        open.orgId(), open.phoneNumber(), open.kind(), open.missingSince(), now - open.openedAt(),
                        resolvedBy);
                config.listener().resolved(open, now);
                return true;
            }
            return false;
        }
        if (open == null) {
            long deadline = observed.nonCompliantSince() + graceMs;
            if (now < deadline) {
                schedule(deadline, key); // e.g. the grace was raised since this entry was indexed
                return false;
            }
            OpenViolation opened = OpenViolation.opened(observed, now);
            context.forward(new Record<>(key, ViolationRecords.open(key, opened, now), now));
            openViolations.put(key, opened);
            episodes.put(EpisodeKeys.of(key, opened.openedAt()), Episode.opened(opened));
            log.warn("SSOT violation OPEN orgId={} phone={} kind={} managedNumberId={} missingSince={}",
                    opened.orgId(), opened.phoneNumber(), opened.kind(), opened.managedNumberId(), opened.missingSince());
            config.listener().opened(opened, Duration.ofMillis(now - deadline));
            return true;
        } else if (open.kind() != observed.kind()) {
            OpenViolation changed = open.withKind(observed, now);
            context.forward(new Record<>(key, ViolationRecords.open(key, changed, now), now));
            openViolations.put(key, changed);
            episodes.put(EpisodeKeys.of(key, changed.openedAt()), Episode.opened(changed)); // same episode, latest kind
            log.warn("SSOT violation OPEN changed kind orgId={} phone={} kind={} (was {}) missingSince={}",
                    changed.orgId(), changed.phoneNumber(), changed.kind(), open.kind(), changed.missingSince());
            config.listener().kindChanged(changed);
            return true;
        }
        return false;
    }

    /**
     * What made an open violation compliant again: the number needs no row any more (released or deleted), or the
     * writer of its SSOT row, which is compliant now (null when that writer is unknown).
     */
    private ResolvedBy resolvedBy(String key, OpenViolation open, SsotRow ssot) {
        ValueAndTimestamp<ManagedNumberRow> managed = managedNumbers.get(key);
        boolean active = managed != null && managed.value() != null && managed.value().active();
        if (open.kind() == Compliance.STALE_SSOT_ROW) {
            // the number is active again (bought again, or the release undone), or the row went: a removed row's CDC
            // delete carries the row as it was, not who removed it, so that writer is unknown
            return active ? ResolvedBy.NUMBER_CHANGED : ssot == null ? null : ResolvedBy.ofWriter(ssot.writtenBy());
        }
        if (!active) {
            return ResolvedBy.NUMBER_CHANGED;
        }
        return ssot == null ? null : ResolvedBy.ofWriter(ssot.writtenBy());
    }

    /** Deletes resolved episodes that resolved longer than the retention ago; open episodes always stay. */
    private void purgeTimeline(long now) {
        long cutoff = now - config.timelineRetention().toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Episode> it = episodes.all()) {
            while (it.hasNext()) {
                KeyValue<String, Episode> entry = it.next();
                Episode e = entry.value;
                if (e != null && !e.open() && e.resolvedAt() < cutoff) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(episodes::delete);
        if (!expired.isEmpty()) {
            log.debug("Purged {} resolved episodes older than {} from the compliance timeline of task {}", expired.size(),
                    config.timelineRetention(), context.taskId());
        }
    }
}

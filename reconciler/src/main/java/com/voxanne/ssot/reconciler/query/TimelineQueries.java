package com.voxanne.ssot.reconciler.query;

import com.voxanne.ssot.reconciler.model.Episode;
import com.voxanne.ssot.reconciler.topology.EpisodeKeys;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopologyConfig.StoreNames;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The compliance timeline from the episodes store (interactive queries): one organisation's episodes by a prefix scan
 * of its keys, or the most recent episodes over all organisations. Newest first (by openedAt). This instance's stores
 * only, as {@link ComplianceQueries}; {@link ClusterQueries} merges every instance's part.
 */
public final class TimelineQueries {
    /** How many episodes the timeline over all organisations shows. */
    public static final int RECENT_LIMIT = 100;
    private static final Comparator<EpisodeView> NEWEST_FIRST = Comparator.comparing(EpisodeView::openedAt).reversed()
            .thenComparing(EpisodeView::orgId).thenComparing(EpisodeView::phoneNumber);

    private final StoreAccess stores;
    private final StoreNames names;

    public TimelineQueries(StoreAccess stores, StoreNames names) {
        this.stores = stores;
        this.names = names;
    }

    /** Every episode of the organisation on the timeline, newest first. */
    public List<EpisodeView> orgTimeline(String orgId, Instant now) {
        List<EpisodeView> out = new ArrayList<>();
        try (KeyValueIterator<String, Episode> it = store().prefixScan(EpisodeKeys.orgPrefix(orgId), new StringSerializer())) {
            while (it.hasNext()) {
                Episode e = it.next().value;
                if (e != null) {
                    out.add(view(e, now));
                }
            }
        }
        out.sort(NEWEST_FIRST);
        return out;
    }

    /** The {@link #RECENT_LIMIT} most recent episodes over all organisations, newest first. */
    public List<EpisodeView> recent(Instant now) {
        PriorityQueue<EpisodeView> newest = new PriorityQueue<>(NEWEST_FIRST.reversed()); // head: the oldest kept
        try (KeyValueIterator<String, Episode> it = store().all()) {
            while (it.hasNext()) {
                Episode e = it.next().value;
                if (e == null) {
                    continue;
                }
                newest.add(view(e, now));
                if (newest.size() > RECENT_LIMIT) {
                    newest.poll();
                }
            }
        }
        List<EpisodeView> out = new ArrayList<>(newest);
        out.sort(NEWEST_FIRST);
        return out;
    }

    /** The {@code limit} newest of these episodes (several instances' parts merged), newest first. */
    public static List<EpisodeView> newestFirst(List<EpisodeView> episodes, int limit) {
        return episodes.stream().sorted(NEWEST_FIRST).limit(limit).toList();
    }

    private ReadOnlyKeyValueStore<String, Episode> store() {
        return stores.keyValueStore(names.episodes());
    }

    static EpisodeView view(Episode e, Instant now) {
        return new EpisodeView(e.orgId(), e.phoneNumber(), e.kind().name(), e.open() ? "OPEN" : "RESOLVED",
                Instant.ofEpochMilli(e.missingSince()), Instant.ofEpochMilli(e.openedAt()),
                e.open() ? null : Instant.ofEpochMilli(e.resolvedAt()), e.durationSeconds(now.toEpochMilli()),
                e.resolvedBy() == null ? null : e.resolvedBy().name());
    }
}

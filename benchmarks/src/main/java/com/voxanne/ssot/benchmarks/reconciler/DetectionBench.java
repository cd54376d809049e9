package com.voxanne.ssot.benchmarks.reconciler;

import com.voxanne.ssot.benchmarks.BenchSizes;
import com.voxanne.ssot.benchmarks.infra.BenchWaits;
import com.voxanne.ssot.benchmarks.provisioning.BenchPipeline;
import com.voxanne.ssot.benchmarks.report.Section;
import com.voxanne.ssot.benchmarks.report.Stats;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopologyConfig;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Figure 3, detection: on the running pipeline, managed numbers with valid SSOT rows are created, then their SSOT
 * rows are deleted one every 50 ms, and each delete's COMMIT is timed to the OPEN violation's arrival at an alert
 * consumer of ssot.violations (read_committed). Detection latency is that minus the grace period. The violation's
 * own timestamps split it: relay + reconciler ingest (delete committed -> missingSince), the wait for the wall-clock
 * punctuation (detectedAt - missingSince - grace), and the exactly-once commit and delivery (arrival - detectedAt).
 */
public final class DetectionBench {
    private static final Duration PACE = Duration.ofMillis(50);
    private static final long VARIANT = 0x8000_0000_0000_0000L;

    private final BenchPipeline pipeline;
    private final BenchSizes sizes;
    private final PrintStream progress;
    private long next;

    public DetectionBench(BenchPipeline pipeline, BenchSizes sizes, PrintStream progress) {
        this.pipeline = pipeline;
        this.sizes = sizes;
        this.progress = progress;
    }

    public void describe(Section section) {
        Duration punctuation = ReconcilerTopologyConfig.defaultPunctuationInterval(sizes.grace());
        section.setting(String.format(Locale.ROOT, "detection: SSOT_GRACE=%d ms (so the default punctuation interval is %d ms, grace/10"
                        + " within [100 ms, 200 ms]), RECONCILER_COMMIT_INTERVAL=200 ms (default); %d SSOT rows deleted per run, one every"
                        + " %d ms, while the whole pipeline runs", sizes.grace().toMillis(), punctuation.toMillis(), sizes.detectionSamples(),
                PACE.toMillis()));
    }

    private record Sample(String orgId, String phone, String key, String eventId) {
    }

    public void run(int run, Section section) throws Exception {
        List<Sample> samples = createCompliantNumbers();
        Map<String, Long> deletedAt = new LinkedHashMap<>();
        try (Connection c = pipeline.db().pool().getConnection();
             PreparedStatement delete = c.prepareStatement(
                     "DELETE FROM org_credentials WHERE org_id = ?::uuid AND provider = 'twilio' AND phone_number = ?")) {
            long start = System.nanoTime();
            for (int i = 0; i < samples.size(); i++) {
                BenchWaits.parkUntil(start + i * PACE.toNanos());
                Sample s = samples.get(i);
                delete.setString(1, s.orgId());
                delete.setString(2, s.phone());
                if (delete.executeUpdate() != 1) {
                    throw new IllegalStateException("the SSOT row of " + s.key() + " was not there to delete");
                }
                c.commit();
                deletedAt.put(s.key(), System.currentTimeMillis());
            }
        }
        long graceMs = sizes.grace().toMillis();
        Map<String, BenchPipeline.OpenArrival> opened = pipeline.opened();
        BenchWaits.require(() -> opened.keySet().containsAll(deletedAt.keySet()), sizes.grace().plusSeconds(60),
                "OPEN violations for " + deletedAt.size() + " deleted SSOT rows");
        List<Double> latency = new ArrayList<>();
        List<Double> ingest = new ArrayList<>();
        List<Double> punctuation = new ArrayList<>();
        List<Double> delivery = new ArrayList<>();
        deletedAt.forEach((key, deleted) -> {
            BenchPipeline.OpenArrival open = opened.get(key);
            SsotViolation v = open.violation();
            latency.add((double) (open.arrivedMillis() - deleted - graceMs));
            ingest.add((double) (v.getMissingSince().toEpochMilli() - deleted));
            punctuation.add((double) (v.getDetectedAt().toEpochMilli() - v.getMissingSince().toEpochMilli() - graceMs));
            delivery.add((double) (open.arrivedMillis() - v.getDetectedAt().toEpochMilli()));
        });
        Stats l = Stats.of(latency);
        section.put("detectP50", run, l.median());
        section.put("detectP99", run, l.percentile(99));
        section.put("detectMax", run, l.max());
        Stats in = Stats.of(ingest);
        Stats pu = Stats.of(punctuation);
        Stats de = Stats.of(delivery);
        section.profile(String.format(Locale.ROOT, "run %d, detection beyond the grace p50 %.0f / p99 %.0f ms = relay + reconciler ingest"
                        + " (delete committed -> missingSince) p50 %.0f / p99 %.0f ms + wait for the punctuation (detectedAt - missingSince"
                        + " - grace) p50 %.0f / p99 %.0f ms + exactly-once commit and delivery (arrival - detectedAt) p50 %.0f / p99 %.0f ms",
                run + 1, l.median(), l.percentile(99), in.median(), in.percentile(99), pu.median(), pu.percentile(99), de.median(),
                de.percentile(99)));
        progress.printf(Locale.ROOT, "  run %d: detection beyond grace p50 %.0f ms, p99 %.0f ms%n", run + 1, l.median(), l.percentile(99));
    }

    /** Managed numbers with valid SSOT rows, committed, relayed and processed by the reconciler. */
    private List<Sample> createCompliantNumbers() throws Exception {
        List<Sample> samples = new ArrayList<>();
        List<String> orgs = pipeline.orgIds();
        try (Connection c = pipeline.db().pool().getConnection();
             PreparedStatement managed = c.prepareStatement("INSERT INTO managed_phone_numbers (id, org_id, phone_number, twilio_sid,"
                     + " vapi_phone_id, status, request_id, provisioned_at) VALUES (?, ?::uuid, ?, ?, ?, 'active', ?, ?)");
             PreparedStatement ssot = c.prepareStatement("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id,"
                     + " twilio_sid, is_managed, last_event_id, version) VALUES (?::uuid, 'twilio', ?, ?, ?, true, ?::uuid, 1)")) {
            for (int i = 0; i < sizes.detectionSamples(); i++) {
                long n = next++;
                String org = orgs.get((int) (n % orgs.size()));
                String phone = "+4420" + String.format("%07d", n);
                String sid = String.format("PN%032x", 0xde7ec7L << 32 | n);
                String vapi = new UUID(0xde7e_0000_0000_4000L, VARIANT | n).toString();
                String eventId = UUID.randomUUID().toString();
                managed.setObject(1, UUID.randomUUID());
                managed.setString(2, org);
                managed.setString(3, phone);
                managed.setString(4, sid);
                managed.setString(5, vapi);
                managed.setString(6, "bench-detect-" + n);
                managed.setTimestamp(7, Timestamp.from(Instant.now()));
                managed.addBatch();
                ssot.setString(1, org);
                ssot.setString(2, phone);
                ssot.setString(3, vapi);
                ssot.setString(4, sid);
                ssot.setString(5, eventId);
                ssot.addBatch();
                samples.add(new Sample(org, phone, Topics.orgNumberKey(org, phone), eventId));
            }
            managed.executeBatch();
            ssot.executeBatch();
            c.commit();
        }
        BenchWaits.require(() -> samples.stream().allMatch(s -> pipeline.commits().seen(s.eventId())), Duration.ofSeconds(60),
                "the relay to carry " + samples.size() + " new SSOT rows");
        pipeline.awaitReconcilerCaughtUp(Duration.ofSeconds(60));
        return samples;
    }
}

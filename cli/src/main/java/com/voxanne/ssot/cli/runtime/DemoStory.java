package com.voxanne.ssot.cli.runtime;

import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.cli.commands.BackfillCommand;
import com.voxanne.ssot.cli.commands.CheckCommand;
import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.backfill.Backfill;
import com.voxanne.ssot.projector.backfill.BackfillSummary;
import com.voxanne.ssot.projector.backfill.StartFrom;
import com.voxanne.ssot.reconciler.audit.ComplianceCheck;
import com.voxanne.ssot.reconciler.audit.ComplianceReport;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The incident's story, told on a running pipeline: provision numbers, see them compliant, lose an SSOT
 * write (the historical bug), watch the reconciler open a violation after the grace period, backfill from
 * the event log, watch it resolve. Every step checks what it claims; {@link #run()} returns the outcome.
 */
public final class DemoStory {

    /** What happened, for the summary and for tests. */
    public record Outcome(List<ProvisioningResult> provisioned, String victimPhone, String victimOrg,
                          java.time.Instant lostAt, SsotViolation opened, SsotViolation resolved, BackfillSummary backfill,
                          boolean compliantBefore, boolean violationSeenByCheck, boolean compliantAfter) {
    }

    /** A step that did not hold: the demo fails with this message. */
    public static final class StepFailed extends RuntimeException {
        public StepFailed(String message) {
            super(message);
        }
    }

    private final ServiceContext context;
    private final DataSource dataSource;
    private final PrintStream out;
    private final Duration stepTimeout;
    private final Topics topics;
    private int step;
    private static final int STEPS = 6;

    public DemoStory(ServiceContext context, DataSource dataSource, PrintStream out, Duration stepTimeout) {
        this.context = context;
        this.dataSource = dataSource;
        this.out = out;
        this.stepTimeout = stepTimeout;
        this.topics = context.config().topics();
    }

    public Outcome run() throws Exception {
        KafkaClients kafka = context.kafka();
        String voxanne = DemoSeed.VOXANNE_ID.toString();
        String harbor = DemoSeed.ORGS.get(1).id().toString();

        step("Provision three managed numbers through Kafka, as the \"Buy AI Number\" button would");
        List<ProvisioningResult> results = new ArrayList<>();
        for (String[] r : new String[][] {{voxanne, "415"}, {voxanne, "628"}, {harbor, "212"}}) {
            var request = ProvisionCommand.request(UUID.randomUUID().toString(), r[0], "US", r[1], "Demo line " + r[1]);
            Optional<ProvisioningResult> result = ProvisionCommand.publishAndAwait(kafka, topics, request, stepTimeout);
            ProvisioningResult res = result.orElseThrow(() -> new StepFailed("no provisioning result within " + stepTimeout));
            if (res.getStatus() != ProvisioningStatus.SUCCEEDED) {
                throw new StepFailed("provisioning did not succeed: " + ProvisionCommand.render(res));
            }
            out.printf("  %s  %s  bought from Twilio as %s, imported into Vapi as %s%n", res.getStatus(), res.getPhoneNumber(),
                    res.getTwilioSid(), res.getVapiPhoneId());
            results.add(res);
        }

        step("The projector writes them to the SSOT (org_credentials); the compliance check for voxanne@demo.com");
        for (ProvisioningResult r : results) {
            awaitCondition("SSOT row for " + r.getPhoneNumber(), () -> ssotRowExists(r.getOrgId(), r.getPhoneNumber()));
        }
        ComplianceReport before = new ComplianceCheck(dataSource).check(DemoSeed.VOXANNE_EMAIL);
        CheckCommand.print(before, out);
        if (before.violation()) {
            throw new StepFailed("voxanne@demo.com should be compliant after provisioning");
        }

        ProvisioningResult victim = results.get(0);
        step("Inject the historical bug: the SSOT write for " + victim.getPhoneNumber()
                + " is lost (paid for, live in Twilio and Vapi, invisible in the dropdown)");
        java.time.Instant lostAt = java.time.Instant.now();
        int deleted = deleteSsotRow(victim.getOrgId(), victim.getPhoneNumber());
        if (deleted != 1) {
            throw new StepFailed("expected to remove one SSOT row, removed " + deleted);
        }
        out.println("  DELETE FROM org_credentials WHERE org_id = '" + victim.getOrgId() + "' AND phone_number = '"
                + victim.getPhoneNumber() + "'  -> 1 row");

        String key = Topics.orgNumberKey(victim.getOrgId(), victim.getPhoneNumber());
        step("The reconciler notices: OPEN on " + topics.violations().name() + " once the grace period ("
                + context.config().grace().toSeconds() + " s) has passed");
        // only this loss's episode: a number whose SSOT row lagged during provisioning may have had an earlier one
        SsotViolation opened = awaitViolation(key, v -> v.getState() == ViolationState.OPEN && v.getDetectedAt().isAfter(lostAt));
        out.printf("  OPEN  %s  %s  kind=%s  missing since %s%n", opened.getOrgId(), opened.getPhoneNumber(), opened.getKind(),
                opened.getMissingSince());
        ComplianceReport during = new ComplianceCheck(dataSource).check(DemoSeed.VOXANNE_EMAIL);
        CheckCommand.print(during, out);
        if (!during.violation()) {
            throw new StepFailed("`check` should report the violation");
        }

        step("Backfill: replay telephony.numbers.provisioned from the beginning through the projector (idempotent)");
        BackfillCommand.ProgressBarPrinter bar = new BackfillCommand.ProgressBarPrinter(out);
        BackfillSummary summary = Backfill.fromContext(context, dataSource).run(StartFrom.beginning(), false, bar::update);
        bar.finish();
        out.printf("  replayed %d events: %d inserted, %d updated, %d unchanged, %d dead-lettered%n", summary.records(),
                summary.inserted(), summary.updated(), summary.unchanged(), summary.deadLettered());
        if (summary.inserted() < 1) {
            throw new StepFailed("the backfill should have restored the lost row");
        }

        step("The violation resolves, and the number is back in the dropdown");
        SsotViolation resolved = awaitViolation(key, v -> v.getState() == ViolationState.RESOLVED
                && v.getMissingSince().equals(opened.getMissingSince()));
        out.printf("  RESOLVED  %s  %s  at %s%n", resolved.getOrgId(), resolved.getPhoneNumber(), resolved.getResolvedAt());
        ComplianceReport after = new ComplianceCheck(dataSource).check(DemoSeed.VOXANNE_EMAIL);
        CheckCommand.print(after, out);
        if (after.violation()) {
            throw new StepFailed("voxanne@demo.com should be compliant again after the backfill");
        }
        return new Outcome(results, victim.getPhoneNumber(), victim.getOrgId(), lostAt, opened, resolved, summary,
                !before.violation(), during.violation(), !after.violation());
    }

    private void step(String title) {
        out.printf("%n== Step %d/%d: %s%n", ++step, STEPS, title);
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private void awaitCondition(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + stepTimeout.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new StepFailed("timed out after " + stepTimeout + " waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private boolean ssotRowExists(String orgId, String phone) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT 1 FROM org_credentials WHERE org_id = ?::uuid AND provider = 'twilio' AND phone_number = ?")) {
            ps.setString(1, orgId);
            ps.setString(2, phone);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            } finally {
                c.rollback();
            }
        }
    }

    private int deleteSsotRow(String orgId, String phone) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM org_credentials WHERE org_id = ?::uuid AND provider = 'twilio' AND phone_number = ?")) {
            ps.setString(1, orgId);
            ps.setString(2, phone);
            int n = ps.executeUpdate();
            c.commit();
            return n;
        }
    }

    /** Reads the violations topic from the beginning, as an alert consumer would, until the predicate holds. */
    private SsotViolation awaitViolation(String key, Predicate<SsotViolation> wanted) {
        var serde = topics.violations().valueSerde();
        try (KafkaConsumer<String, SsotViolation> consumer = new KafkaConsumer<>(
                context.kafka().consumer("ssot-demo-" + UUID.randomUUID(), "ssot-demo"), new StringDeserializer(),
                serde.deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.violations().name(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + stepTimeout.toNanos();
            long lastDot = System.nanoTime();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, SsotViolation> rec : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(rec.key()) && rec.value() != null && wanted.test(rec.value())) {
                        out.println();
                        return rec.value();
                    }
                }
                if (System.nanoTime() - lastDot > 1_000_000_000L) {
                    out.print(".");
                    out.flush();
                    lastDot = System.nanoTime();
                }
            }
        }
        throw new StepFailed("timed out after " + stepTimeout + " waiting for the violation of " + key);
    }
}

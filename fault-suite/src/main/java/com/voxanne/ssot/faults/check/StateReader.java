package com.voxanne.ssot.faults.check;

import com.voxanne.ssot.faults.check.ObservedState.DeadLetter;
import com.voxanne.ssot.faults.check.ObservedState.ManagedNumber;
import com.voxanne.ssot.faults.check.ObservedState.OrgView;
import com.voxanne.ssot.faults.check.ObservedState.Probe;
import com.voxanne.ssot.faults.check.ObservedState.Result;
import com.voxanne.ssot.faults.check.ObservedState.Saga;
import com.voxanne.ssot.faults.check.ObservedState.SsotRow;
import com.voxanne.ssot.faults.check.ObservedState.Violation;
import com.voxanne.ssot.faults.inject.InputTopic;
import com.voxanne.ssot.faults.inject.MalformedRecord;
import com.voxanne.ssot.faults.scenario.Ledger;
import com.voxanne.ssot.faults.system.GroupOffsets;
import com.voxanne.ssot.faults.system.PipelineUnderTest;
import com.voxanne.ssot.faults.system.TopicReader;
import com.voxanne.ssot.platform.kafka.DeadLetters;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import com.voxanne.ssot.reconciler.report.AuditReports;
import com.voxanne.ssot.reconciler.audit.ComplianceCheck;
import com.voxanne.ssot.reconciler.audit.ComplianceReport;
import com.voxanne.ssot.reconciler.audit.DatabaseReadException;
import com.voxanne.ssot.reconciler.audit.Dropdown;
import com.voxanne.ssot.reconciler.audit.DropdownEntry;
import com.voxanne.ssot.reconciler.audit.DropdownListing;
import com.voxanne.ssot.reconciler.audit.NumberCheck;
import com.voxanne.ssot.reconciler.audit.UnknownOrganizationException;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Reads the final state of a run for the {@link InvariantChecker}: every topic of the run (results, violations, dead
 * letters, and all of them byte by byte for the secret scan), the tables, the simulated Twilio's and Vapi's inventories,
 * the consumers' committed offsets, the dropdown and the compliance check of every organisation (and of hostile
 * identifiers), and the status server's output.
 */
public final class StateReader {
    /** Organisation identifiers an attacker might try on the dropdown and the compliance check. */
    static final List<String> HOSTILE_ORG_IDS = List.of("' OR '1'='1", "x@y.z' OR 'a'='a", "%", "*", "%@%",
            "00000000-0000-0000-0000-000000000000", "<script>alert(1)</script>");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final PipelineUnderTest pipeline;
    private final Ledger ledger;
    private final LogEvidence logs;
    private final SecretScanner scanner;
    private final List<String> leaks = new ArrayList<>();
    private long scanned;

    public StateReader(PipelineUnderTest pipeline, Ledger ledger, LogEvidence logs) {
        this.pipeline = pipeline;
        this.ledger = ledger;
        this.logs = logs;
        this.scanner = new SecretScanner(pipeline.secrets().all());
    }

    public ObservedState read() throws Exception {
        List<Result> results = results();
        List<Violation> violations = violations();
        List<DeadLetter> deadLetters = deadLetters();
        scanAllTopics();
        List<ManagedNumber> managed = managedNumbers();
        List<SsotRow> ssot = ssotRows();
        List<Saga> sagas = sagas();
        Set<String> owned = new TreeSet<>();
        pipeline.twilio().ownedNumbers().stream().map(OwnedNumber::phoneNumber).forEach(owned::add);
        Set<String> phones = new TreeSet<>(owned);
        sagas.stream().map(Saga::phoneNumber).filter(p -> p != null).forEach(phones::add);
        managed.stream().map(ManagedNumber::phoneNumber).forEach(phones::add);
        Map<String, Integer> purchases = new LinkedHashMap<>();
        phones.forEach(p -> purchases.put(p, pipeline.twilio().purchasesOf(p)));
        Map<String, List<String>> imports = new LinkedHashMap<>();
        for (ImportedNumber n : pipeline.vapi().importedNumbers()) {
            imports.computeIfAbsent(n.number(), k -> new ArrayList<>()).add(n.id());
        }
        List<OrgView> views = orgViews();
        List<Probe> probes = probes();
        scanStatusServer();
        List<ObservedState.HttpAttack> httpAttacks = new HttpSurface(pipeline.statusServer().baseUrl(), pipeline.statusServer().port(),
                pipeline.secrets().httpToken(), pipeline.secrets().metricsToken(), otherOrgId(views)).attack();
        scanned += logs.eventsScanned();
        leaks.addAll(logs.leaks().stream().map(l -> "log: " + l).toList());
        return new ObservedState(results, violations, deadLetters, managed, ssot, sagas, owned, pipeline.twilio().purchases(), purchases,
                pipeline.twilio().purchaseTimes(),
                imports, committedOffsets(), views, probes, httpAttacks, new ObservedState.SecretScan(scanned, List.copyOf(leaks)),
                releasedEvents());
    }

    /** The NumberReleased records of the event log, by requestId (the suite's malformed records and replays left aside). */
    private Map<String, Set<String>> releasedEvents() {
        String topic = pipeline.topics().numberEvents().name();
        var serde = pipeline.topics().numberEvents().valueSerde().deserializer();
        Map<String, Set<String>> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : TopicReader.readAll(pipeline.kafka(), topic, READ_TIMEOUT)) {
            if (rec.value() == null || rec.headers().lastHeader(MalformedRecord.ID_HEADER) != null) {
                continue;
            }
            try {
                if (serde.deserialize(topic, rec.value()) instanceof NumberReleased released) {
                    out.computeIfAbsent(released.getRequestId(), k -> new TreeSet<>()).add(released.getEventId());
                }
            } catch (RuntimeException undecodable) {
                // an old single-object record or a stale one the suite made: not a NumberReleased either way
            }
        }
        return out;
    }

    private List<Result> results() {
        String topic = pipeline.topics().provisioningResults().name();
        var serde = pipeline.topics().provisioningResults().valueSerde().deserializer();
        List<Result> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> rec : TopicReader.readAll(pipeline.kafka(), topic, READ_TIMEOUT)) {
            ProvisioningResult r = serde.deserialize(topic, rec.value());
            out.add(new Result(r.getRequestId(), r.getOrgId(), r.getStatus(), r.getPhoneNumber(), r.getTwilioSid(), r.getVapiPhoneId(),
                    r.getFailurePoint() == null ? null : r.getFailurePoint().name(), r.getError()));
        }
        return out;
    }

    private List<Violation> violations() {
        String topic = pipeline.topics().violations().name();
        var serde = pipeline.topics().violations().valueSerde().deserializer();
        List<Violation> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> rec : TopicReader.readAll(pipeline.kafka(), topic, READ_TIMEOUT)) {
            if (rec.value() == null || rec.key() == null) {
                continue;
            }
            SsotViolation v = serde.deserialize(topic, rec.value());
            out.add(new Violation(new String(rec.key(), StandardCharsets.UTF_8), v.getKind().name(), v.getState(), v.getMissingSince(),
                    v.getDetectedAt(), v.getResolvedAt(), rec.partition(), rec.offset()));
        }
        return out;
    }

    private List<DeadLetter> deadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        for (InputTopic input : InputTopic.values()) {
            String dlq = DeadLetters.topicFor(input.name(pipeline.topics()));
            for (ConsumerRecord<byte[], byte[]> rec : TopicReader.readAll(pipeline.kafka(), dlq, READ_TIMEOUT)) {
                out.add(new DeadLetter(dlq, header(rec, MalformedRecord.ID_HEADER), header(rec, DeadLetters.H_STAGE),
                        header(rec, DeadLetters.H_ERROR_MESSAGE), header(rec, DeadLetters.H_ERROR_CLASS), rec.value()));
            }
        }
        return out;
    }

    /** Every record of every topic of this run (internal ones included), key, value and headers. */
    private void scanAllTopics() throws ExecutionException, InterruptedException {
        Set<String> topics = pipeline.admin().listTopics(new ListTopicsOptions().listInternal(true))
                .names().get();
        for (String topic : new TreeSet<>(topics)) {
            if (!topic.contains(pipeline.suffix())) {
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> rec : TopicReader.readAll(pipeline.kafka(), topic, READ_TIMEOUT)) {
                String where = "topic " + topic + " " + rec.partition() + "@" + rec.offset();
                scan(where + " key", rec.key());
                scan(where + " value", rec.value());
                for (Header h : rec.headers()) {
                    scan(where + " header " + h.key(), h.value());
                }
            }
        }
    }

    private List<ManagedNumber> managedNumbers() throws SQLException {
        List<ManagedNumber> out = new ArrayList<>();
        query("SELECT id::text, org_id::text, phone_number, twilio_sid, vapi_phone_id, status, request_id, friendly_name"
                + " FROM managed_phone_numbers", rs -> out.add(new ManagedNumber(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8))));
        return out;
    }

    private List<SsotRow> ssotRows() throws SQLException {
        List<SsotRow> out = new ArrayList<>();
        query("SELECT org_id::text, provider, phone_number, vapi_phone_id, twilio_sid, is_managed FROM org_credentials",
                rs -> out.add(new SsotRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getBoolean(6))));
        return out;
    }

    private List<Saga> sagas() throws SQLException {
        List<Saga> out = new ArrayList<>();
        query("SELECT request_id, org_id, state, phone_number, twilio_sid, failure_point, compensation, error FROM provisioning_requests",
                rs -> {
                    out.add(new Saga(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7)));
                    scan("provisioning_requests.error of " + rs.getString(1), rs.getString(8));
                    scan("provisioning_requests.compensation of " + rs.getString(1), rs.getString(7));
                });
        return out;
    }

    private Map<String, Map<Integer, Long>> committedOffsets() throws ExecutionException, InterruptedException {
        Map<String, Map<Integer, Long>> out = new HashMap<>();
        committed(out, pipeline.provisionerGroup(), InputTopic.REQUESTS.name(pipeline.topics()));
        committed(out, pipeline.projectorGroup(), InputTopic.EVENTS.name(pipeline.topics()));
        committed(out, pipeline.reconcilerApplicationId(), InputTopic.CDC_MANAGED.name(pipeline.topics()));
        committed(out, pipeline.reconcilerApplicationId(), InputTopic.CDC_SSOT.name(pipeline.topics()));
        return out;
    }

    private void committed(Map<String, Map<Integer, Long>> out, String group, String topic) throws ExecutionException, InterruptedException {
        Map<Integer, Long> byPartition = new HashMap<>();
        GroupOffsets.committed(pipeline.admin(), group, topic).forEach((tp, o) -> byPartition.put(tp.partition(), o.offset()));
        out.put(topic, byPartition);
    }

    private List<OrgView> orgViews() {
        Dropdown dropdown = new Dropdown(pipeline.dataSource());
        ComplianceCheck check = new ComplianceCheck(pipeline.dataSource());
        List<OrgView> out = new ArrayList<>();
        for (Ledger.Organization org : ledger.organizations()) {
            for (String id : List.of(org.id(), org.email())) {
                DropdownListing listing = dropdown.list(id);
                ComplianceReport report = check.check(id);
                scan("dropdown output of " + org.email(), AuditReports.dropdown(listing));
                scan("check output of " + org.email(), AuditReports.compliance(report));
                out.add(new OrgView(org.id(), listing.entries().stream().map(DropdownEntry::phoneNumber).toList(),
                        report.numbers().stream().map(NumberCheck::phoneNumber).toList()));
            }
        }
        return out;
    }

    private List<Probe> probes() {
        Dropdown dropdown = new Dropdown(pipeline.dataSource());
        ComplianceCheck check = new ComplianceCheck(pipeline.dataSource());
        List<Probe> out = new ArrayList<>();
        List<String> inputs = new ArrayList<>(HOSTILE_ORG_IDS);
        inputs.add(UUID.randomUUID().toString());
        for (String input : inputs) {
            out.add(probe("dropdown " + input, () -> dropdown.list(input).entries().size()));
            out.add(probe("check " + input, () -> check.check(input).numbers().size()));
        }
        return out;
    }

    private interface Count {
        int run();
    }

    private static Probe probe(String input, Count count) {
        try {
            int n = count.run();
            return new Probe(input, n + " numbers shown", n > 0);
        } catch (UnknownOrganizationException e) {
            return new Probe(input, "unknown organisation", false);
        } catch (DatabaseReadException e) {
            return new Probe(input, "refused: " + e.getMessage(), false);
        }
    }

    /** An organisation to ask about without the token (any one: none may be answered). */
    private static String otherOrgId(List<OrgView> views) {
        return views.isEmpty() ? java.util.UUID.randomUUID().toString() : views.get(views.size() - 1).orgId();
    }

    private void scanStatusServer() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (String path : List.of("/health", "/metrics", "/api/status", "/api/violations")) {
            String url = pipeline.statusServer().baseUrl() + path;
            try {
                HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                                .header("Authorization", "Bearer " + pipeline.secrets().httpToken()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() != 200) {
                    leaks.add("status server " + path + " answered " + res.statusCode() + " to the token: nothing was scanned");
                }
                scan("status server " + path, res.body());
            } catch (java.io.IOException e) {
                leaks.add("status server " + path + " could not be read for the scan: " + e.getMessage());
            }
        }
    }

    private void scan(String where, byte[] bytes) {
        scanned++;
        scanner.excerpt(bytes).ifPresent(e -> leaks.add(where + ": " + e));
    }

    private void scan(String where, String text) {
        scanned++;
        scanner.excerpt(text).ifPresent(e -> leaks.add(where + ": " + e));
    }

    private interface Row {
        void accept(ResultSet rs) throws SQLException;
    }

    private void query(String sql, Row row) throws SQLException {
        try (Connection c = pipeline.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                row.accept(rs);
            }
            c.rollback();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> rec, String name) {
        Header h = rec.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}

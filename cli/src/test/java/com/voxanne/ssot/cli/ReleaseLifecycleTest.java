package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.voxanne.ssot.cli.commands.ProvisionCommand;
import com.voxanne.ssot.cli.commands.ReleaseCommand;
import com.voxanne.ssot.pipeline.DemoSeed;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.reconciler.audit.ComplianceCheck;
import com.voxanne.ssot.reconciler.audit.Dropdown;
import com.voxanne.ssot.reconciler.audit.DropdownEntry;
import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.violations.ViolationsReader;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.avro.ViolationKind;
import com.voxanne.ssot.schemas.avro.ViolationState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole life of a number on the whole pipeline (real embedded broker, PostgreSQL, registry; simulated providers):
 * {@code provision}, {@code release} and {@code provision} again of the same number in the same org from the command
 * line, the dropdown right at every step; and the other direction of drift: an SSOT row offering a number nobody
 * manages opens STALE_SSOT_ROW after the grace and resolves when the row goes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReleaseLifecycleTest {
    private static final Duration GRACE = Duration.ofSeconds(3);
    private static final Pattern PHONE = Pattern.compile("phone number : (\\+[0-9]+)");
    private static final String ORG = "voxanne@demo.com";

    @TempDir
    static Path dataDir;

    private TestPipeline stack;

    @BeforeAll
    void startPipeline() throws Exception {
        stack = TestPipeline.start("release", dataDir, Map.of("SSOT_GRACE", GRACE.toSeconds() + "s"));
        DemoSeed.apply(stack.db.dataSource());
    }

    @AfterAll
    void stopPipeline() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    /** One command run as {@code ./ssot} runs it, against this pipeline: exit code and what it printed. */
    private record Run(int exit, String output) {
        String phone() {
            Matcher m = PHONE.matcher(output);
            assertThat(m.find()).as("a phone number in %s", output).isTrue();
            return m.group(1);
        }
    }

    private synchronized Run run(Object command, String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(command).execute(args);
            return new Run(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    private List<String> dropdown() {
        return new Dropdown(stack.db.dataSource()).list(ORG).entries().stream().map(DropdownEntry::phoneNumber).toList();
    }

    private ConfigSource config() {
        return ConfigSource.of(stack.env);
    }

    @Test
    void shouldProvisionReleaseAndProvisionTheSameNumberAgainWithTheDropdownRightAtEveryStep() {
        // given the demo org's dropdown before
        List<String> before = dropdown();

        // when a number is provisioned from the command line
        Run provisioned = run(new ProvisionCommand(this::config), "--org", ORG, "--area-code", "917");
        String phone = provisioned.phone();

        // then it is offered
        assertThat(provisioned.exit()).as(provisioned.output()).isZero();
        await("offered").atMost(Duration.ofSeconds(30)).until(() -> dropdown().contains(phone));

        // when it is released from the command line
        Run released = run(new ReleaseCommand(this::config), "--org", ORG, "--number", phone, "--reason", "clinic closed");

        // then it is no longer offered, and the org's check passes (no stale row, nothing missing)
        assertThat(released.exit()).as(released.output()).isZero();
        assertThat(released.output()).contains("Result: SUCCEEDED").contains(phone);
        await("no longer offered").atMost(Duration.ofSeconds(30)).until(() -> !dropdown().contains(phone));
        assertThat(dropdown()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(stack.pipeline.providers().orElseThrow().twilio().owns(phone)).isFalse();
        assertThat(stack.pipeline.providers().orElseThrow().vapi().imported(phone)).isEmpty();

        // when the same org asks for a number in the same area code again
        Run again = run(new ProvisionCommand(this::config), "--org", ORG, "--area-code", "917");

        // then it gets the number it gave back, offered again
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.phone()).isEqualTo(phone);
        await("offered again").atMost(Duration.ofSeconds(30)).until(() -> dropdown().contains(phone));
        assertThat(new ComplianceCheck(stack.db.dataSource()).check(ORG).numbers())
                .allSatisfy(n -> assertThat(n.passed()).as(n.toString()).isTrue());

        // and a release of a number the org does not have is refused with the reason, exit 1
        Run refused = run(new ReleaseCommand(this::config), "--org", ORG, "--number", "+19175550999");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.output()).contains("REJECTED").contains("is not a managed number of organisation");
    }

    @Test
    void shouldOpenStaleSsotRowForARowNobodyManagesAfterTheGraceAndResolveItWhenTheRowGoes() throws Exception {
        // given an operator's SSOT row offering a number with no managed number behind it
        String org = DemoSeed.VOXANNE_ID.toString();
        String phone = "+19175550123";
        execute("INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, twilio_sid, is_managed)"
                + " VALUES ('" + org + "'::uuid, 'twilio', '" + phone + "', 'vapi-dead', NULL, true)");
        assertThat(dropdown()).contains(phone);

        // then STALE_SSOT_ROW opens after the grace, and check fails it
        SsotViolation open = awaitViolation(org, phone, ViolationState.OPEN);
        assertThat(open.getKind()).isEqualTo(ViolationKind.STALE_SSOT_ROW);
        assertThat(java.time.Duration.between(open.getMissingSince(), open.getDetectedAt())).isGreaterThanOrEqualTo(GRACE);
        assertThat(new ComplianceCheck(stack.db.dataSource()).check(ORG).numbers())
                .anySatisfy(n -> assertThat(n.compliance()).isEqualTo(Compliance.STALE_SSOT_ROW));

        // when the row goes
        execute("DELETE FROM org_credentials WHERE org_id = '" + org + "'::uuid AND phone_number = '" + phone + "'");

        // then it resolves
        SsotViolation resolved = awaitViolation(org, phone, ViolationState.RESOLVED);
        assertThat(resolved.getKind()).isEqualTo(ViolationKind.STALE_SSOT_ROW);
    }

    private SsotViolation awaitViolation(String org, String phone, ViolationState state) {
        try (ViolationsReader reader = new ViolationsReader(stack.pipeline.context().kafka(),
                stack.pipeline.context().config().topics().violations())) {
            return await(state + " of " + phone).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .until(() -> latest(reader, org, phone).filter(v -> v.getState() == state), Optional::isPresent).get();
        }
    }

    private static Optional<SsotViolation> latest(ViolationsReader reader, String org, String phone) {
        return Optional.ofNullable(reader.snapshot(Duration.ofSeconds(10)).latest().get(Topics.orgNumberKey(org, phone)));
    }

    private void execute(String sql) throws Exception {
        try (Connection c = stack.db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.executeUpdate();
            c.commit();
        }
    }
}

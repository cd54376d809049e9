package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.cli.runtime.Orgs;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Publishes a ReleaseNumberRequest as an upstream service would (on the requests topic, keyed by the org, so it keeps
 * its place behind the org's earlier requests), then waits for its result.
 */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Publish a release request for one managed number of an organisation and wait for the result.")
public final class ReleaseCommand implements Callable<Integer> {
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    @Option(names = "--org", required = true, description = "organisation id (uuid) or email")
    String org;

    @Option(names = "--number", required = true, description = "the managed number to release, E.164 (e.g. +14155550123)")
    String number;

    @Option(names = "--reason", description = "why the number is given back (kept on the managed row)")
    String reason;

    @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait for the result (default: ${DEFAULT-VALUE})")
    String timeout;

    private final java.util.function.Supplier<ConfigSource> config;

    /** The command as {@code ./ssot} runs it: configured by the environment (and the discovery file). */
    public ReleaseCommand() {
        this(ConfigSource::fromEnvironment);
    }

    /** The command configured by {@code config} (tests: a pipeline of their own). */
    public ReleaseCommand(java.util.function.Supplier<ConfigSource> config) {
        this.config = config;
    }

    @Override
    public Integer call() throws Exception {
        String phone = number == null ? "" : number.trim();
        if (!E164.matcher(phone).matches()) {
            throw new UserError("--number must be an E.164 number (+ and 7 to 15 digits, e.g. +14155550123), was '" + number + "'");
        }
        Environment env = Environment.resolve(config.get());
        DatabaseSettings db = env.database();
        Orgs.Org organisation;
        try (HikariDataSource ds = db.pool("release-cli", 1)) {
            organisation = Orgs.resolve(ds, org);
        }
        Topics topics = env.config().topics();
        String requestId = UUID.randomUUID().toString();
        ReleaseNumberRequest request = request(requestId, organisation.id().toString(), phone, reason);
        PrintStream out = System.out;
        out.printf("Releasing %s of %s (%s), request %s%n", phone, organisation.name(), organisation.email(), requestId);
        Optional<ProvisioningResult> result = ProvisionCommand.publishAndAwait(env.kafka(), topics, topics.releaseRequests(), request,
                request.getOrgId(), requestId, ConfigSource.parseDuration("--timeout", timeout));
        if (result.isEmpty()) {
            out.println("No result within " + timeout + ": the request is recorded and will still be worked; check later with"
                    + " `./ssot dropdown --org " + org + "`.");
            return 3;
        }
        out.println(ProvisionCommand.render(result.get()));
        return result.get().getStatus() == ProvisioningStatus.SUCCEEDED ? 0 : 1;
    }

    public static ReleaseNumberRequest request(String requestId, String orgId, String phoneNumber, String reason) {
        return ReleaseNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "ReleaseNumberRequest"))
                .setRequestId(requestId)
                .setOrgId(orgId)
                .setPhoneNumber(phoneNumber)
                .setReason(reason == null || reason.isBlank() ? null : reason.trim())
                .setRequestedAt(Instant.now())
                .build();
    }
}

package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.cli.runtime.Orgs;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Publishes a ProvisionNumberRequest as an upstream service would, then waits for its result. */
@Command(name = "provision", mixinStandardHelpOptions = true,
        description = "Publish a provisioning request for an organisation and wait for the result.")
public final class ProvisionCommand implements Callable<Integer> {

    @Option(names = "--org", required = true, description = "organisation id (uuid) or email")
    String org;

    @Option(names = "--area-code", description = "3-digit area code (US/CA)")
    String areaCode;

    @Option(names = "--country", defaultValue = "US", description = "ISO-3166 alpha-2 country code (default: ${DEFAULT-VALUE})")
    String country;

    @Option(names = "--name", description = "friendly name of the number")
    String friendlyName;

    @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait for the result (default: ${DEFAULT-VALUE})")
    String timeout;

    private final java.util.function.Supplier<ConfigSource> config;

    /** The command as {@code ./ssot} runs it: configured by the environment (and the discovery file). */
    public ProvisionCommand() {
        this(ConfigSource::fromEnvironment);
    }

    /** The command configured by {@code config} (tests: a pipeline of their own). */
    public ProvisionCommand(java.util.function.Supplier<ConfigSource> config) {
        this.config = config;
    }

    @Override
    public Integer call() throws Exception {
        Environment env = Environment.resolve(config.get());
        DatabaseSettings db = env.database();
        Orgs.Org organisation;
        try (HikariDataSource ds = db.pool("provision-cli", 1)) {
            organisation = Orgs.resolve(ds, org);
        }
        Topics topics = env.config().topics();
        String requestId = UUID.randomUUID().toString();
        ProvisionNumberRequest request = request(requestId, organisation.id().toString(), country, areaCode, friendlyName);
        PrintStream out = System.out;
        out.printf("Requesting a number for %s (%s), request %s%n", organisation.name(), organisation.email(), requestId);
        Optional<ProvisioningResult> result = publishAndAwait(env.kafka(), topics, request,
                ConfigSource.parseDuration("--timeout", timeout));
        if (result.isEmpty()) {
            out.println("No result within " + timeout + ": the request is recorded and will still be worked; check later with"
                    + " `./ssot check --org " + org + "`.");
            return 3;
        }
        ProvisioningResult r = result.get();
        out.println(render(r));
        return r.getStatus() == ProvisioningStatus.SUCCEEDED ? 0 : 1;
    }

    public static ProvisionNumberRequest request(String requestId, String orgId, String country, String areaCode,
                                                 String friendlyName) {
        return ProvisionNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "ProvisionNumberRequest"))
                .setRequestId(requestId)
                .setOrgId(orgId)
                .setCountryCode(country)
                .setAreaCode(areaCode)
                .setFriendlyName(friendlyName)
                .setRequestedAt(Instant.now())
                .build();
    }

    public static String render(ProvisioningResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append("Result: ").append(r.getStatus());
        if (r.getPhoneNumber() != null) {
            sb.append("\n  phone number : ").append(r.getPhoneNumber());
        }
        if (r.getTwilioSid() != null) {
            sb.append("\n  twilio sid   : ").append(r.getTwilioSid());
        }
        if (r.getVapiPhoneId() != null) {
            sb.append("\n  vapi phone id: ").append(r.getVapiPhoneId());
        }
        if (r.getFailurePoint() != null) {
            sb.append("\n  failure point: ").append(r.getFailurePoint());
        }
        if (r.getError() != null) {
            sb.append("\n  error        : ").append(r.getError());
        }
        return sb.toString();
    }

    /** Positions a reader at the end of the results topic first, so the result cannot be missed. */
    public static Optional<ProvisioningResult> publishAndAwait(KafkaClients kafka, Topics topics, ProvisionNumberRequest request,
                                                               Duration timeout) throws Exception {
        return publishAndAwait(kafka, topics, topics.provisioningRequests(), request, request.getOrgId(), request.getRequestId(),
                timeout);
    }

    /**
     * Publishes {@code request} (of either request type, through its own topic view: same topic, its own subject) keyed
     * by {@code orgId}, and waits for the result of {@code requestId}.
     */
    public static <T> Optional<ProvisioningResult> publishAndAwait(KafkaClients kafka, Topics topics, Topic<String, T> requests,
                                                                   T request, String orgId, String requestId, Duration timeout)
            throws Exception {
        Topic<String, ProvisioningResult> results = topics.provisioningResults();
        Map<String, Object> consumerProps = kafka.consumer("ssot-cli-provision-" + UUID.randomUUID(), "ssot-cli");
        try (KafkaConsumer<String, ProvisioningResult> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                results.valueSerde().deserializer());
             KafkaProducer<String, T> producer = new KafkaProducer<>(kafka.producer("ssot-cli"),
                     new StringSerializer(), requests.valueSerde().serializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(results.name(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new UserError("topic " + results.name() + " does not exist: is the pipeline set up (`./ssot up` or `./ssot setup`)?");
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            producer.send(new ProducerRecord<>(requests.name(), orgId, request)).get();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, ProvisioningResult> rec : consumer.poll(Duration.ofMillis(200))) {
                    if (rec.value() != null && requestId.equals(rec.value().getRequestId())) {
                        return Optional.of(rec.value());
                    }
                }
            }
            return Optional.empty();
        }
    }
}

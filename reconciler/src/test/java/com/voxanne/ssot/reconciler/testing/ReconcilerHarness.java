package com.voxanne.ssot.reconciler.testing;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import com.voxanne.ssot.platform.metrics.Metrics;
import com.voxanne.ssot.platform.service.DatabaseSettings;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.reconciler.ReconcilerService;
import com.voxanne.ssot.reconciler.violations.ViolationsReader;
import com.voxanne.ssot.reconciler.violations.ViolationsReader.ViolationUpdate;
import com.voxanne.ssot.testkit.TestStack;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One reconciler under test on the shared embedded broker: its own CDC topics (co-partitioned, 3
 * partitions), violations topic, application id and state directory; a producer of CDC records as the
 * relay would write them; and a follower of the violations topic that records when each update arrived.
 */
public final class ReconcilerHarness implements AutoCloseable {
    /** An update from the violations topic and the wall-clock time this test saw it. */
    public record Seen(ViolationUpdate update, Instant receivedAt) {
    }

    public final TestStack stack = TestStack.get();
    public final String managedTopic;
    public final String credentialsTopic;
    public final String violationsTopic;
    public final String applicationId;
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, String> env = new HashMap<>();
    private final KafkaProducer<String, String> producer;
    private ViolationsReader reader;
    private Thread follower;
    private ReconcilerService service;
    private PrometheusMeterRegistry registry;
    private HealthRegistry health;

    public ReconcilerHarness(Path dataDir, String grace) {
        managedTopic = stack.uniqueTopic("cdc.managed_phone_numbers");
        credentialsTopic = stack.uniqueTopic("cdc.org_credentials");
        violationsTopic = stack.uniqueTopic("ssot.violations");
        applicationId = stack.uniqueTopic("reconciler-test");
        stack.createTopic(managedTopic, 3, Map.of("cleanup.policy", "compact"));
        stack.createTopic(credentialsTopic, 3, Map.of("cleanup.policy", "compact"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("SSOT_GRACE", grace);
        env.put("SSOT_DATA_DIR", dataDir.toString());
        env.put("TOPIC_CDC_MANAGED_NUMBERS", managedTopic);
        env.put("TOPIC_CDC_ORG_CREDENTIALS", credentialsTopic);
        env.put("TOPIC_VIOLATIONS", violationsTopic);
        env.put("RECONCILER_APPLICATION_ID", applicationId);
        env.put("RECONCILER_COMMIT_INTERVAL", "100ms");
        env.put("RECONCILER_CATCHUP_REFRESH", "200ms");
        producer = new KafkaProducer<>(stack.producerProps(), new StringSerializer(), new StringSerializer());
    }

    public ReconcilerHarness with(String variable, String value) {
        env.put(variable, value);
        return this;
    }

    public ServiceContext context() {
        ConfigSource source = ConfigSource.of(env);
        SsotConfig config = SsotConfig.from(source);
        registry = Metrics.newRegistry();
        health = new HealthRegistry();
        return new ServiceContext(config, source, new KafkaClients(stack.bootstrapServers(), config.kafkaClientProperties()),
                new DatabaseSettings("jdbc:postgresql://127.0.0.1:1/unused", "postgres", Optional.empty()), registry,
                health, config.redactor());
    }

    /** Starts (or restarts, after {@link #stopService()}) the reconciler with the current settings. */
    public ReconcilerService startService() throws Exception {
        service = ReconcilerService.create(context());
        health.register(ReconcilerService.NAME, service::health); // as the pipeline does for every service it runs
        service.start();
        return service;
    }

    public void stopService() {
        if (service != null) {
            service.close();
            service = null;
        }
    }

    public ReconcilerService service() {
        return service;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public HealthRegistry health() {
        return health;
    }

    /** Follows the violations topic from the beginning on a background thread. */
    public void followViolations() {
        reader = new ViolationsReader(new KafkaClients(stack.bootstrapServers(), Map.of()), violationsTopic);
        follower = new Thread(() -> reader.follow(null, u -> seen.add(new Seen(u, Instant.now()))), "violations-follower");
        follower.setDaemon(true);
        follower.start();
    }

    public void sendManaged(String key, String value) {
        send(managedTopic, key, value);
    }

    public void sendCredentials(String key, String value) {
        send(credentialsTopic, key, value);
    }

    private void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not produce to " + topic, e);
        }
    }

    public List<Seen> seenFor(String key) {
        return seen.stream().filter(s -> key.equals(s.update().key())).toList();
    }

    @Override
    public void close() throws InterruptedException {
        stopService();
        if (reader != null) {
            reader.stop();
            follower.join(10_000);
            reader.close();
        }
        producer.close();
    }
}

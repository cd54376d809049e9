package com.voxanne.ssot.faults.support;

import com.voxanne.ssot.faults.system.ProjectorFactory;
import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.ProjectorSettings;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.schemas.serde.UndecodableRecordException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * THE HISTORICAL BUG, rebuilt on purpose: an SSOT "projector" whose write fails and is swallowed as "non-fatal", then
 * commits its transaction and its Kafka offsets as if all went well. It consumes the same topic in the same group as
 * the real projector. Only for proving that the fault suite's checker catches a broken build.
 */
public final class SwallowingProjector implements ManagedService {
    /** Builds it where the suite builds its projector (it uses the suite's DataSource, so the projector-kill fault still hits it). */
    public static final ProjectorFactory FACTORY = SwallowingProjector::new;
    private static final Logger log = LoggerFactory.getLogger(SwallowingProjector.class);
    /** Provider 'Twilio' (capital T) breaks the provider check constraint: the write always fails. */
    private static final String BROKEN_WRITE = "INSERT INTO org_credentials (org_id, provider, phone_number, vapi_phone_id, twilio_sid,"
            + " is_managed) VALUES (?::uuid, 'Twilio', ?, ?, ?, true)";

    private final ServiceContext context;
    private final DataSource dataSource;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean dead;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    SwallowingProjector(ServiceContext context, DataSource dataSource) {
        this.context = context;
        this.dataSource = dataSource;
    }

    @Override
    public String name() {
        return "swallowing-projector";
    }

    @Override
    public void start() throws InterruptedException {
        String topic = context.config().topics().numbersProvisioned().name();
        consumer = new KafkaConsumer<>(context.kafka().consumer(ProjectorSettings.from(context.source()).groupId(), "swallowing-projector"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        thread = new Thread(this::loop, "swallowing-projector");
        thread.start();
        if (!assigned.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("swallowing projector did not join its group");
        }
    }

    private void loop() {
        AvroSerde<NumberProvisioned> serde = AvroSerde.of(NumberProvisioned.class);
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!consumer.assignment().isEmpty()) {
                    assigned.countDown();
                }
                for (ConsumerRecord<byte[], byte[]> rec : records) {
                    writeAndSwallow(serde, rec);
                }
                if (!records.isEmpty()) {
                    consumer.commitSync();
                }
            }
        } catch (WakeupException e) {
            log.debug("swallowing projector woken up to stop");
        } catch (SQLException | RuntimeException | Error e) {
            dead = true;
            log.warn("swallowing projector died", e);
        } finally {
            assigned.countDown();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void writeAndSwallow(AvroSerde<NumberProvisioned> serde, ConsumerRecord<byte[], byte[]> rec) throws SQLException {
        NumberProvisioned event;
        try {
            event = serde.deserialize(rec.topic(), rec.value());
        } catch (UndecodableRecordException e) {
            log.debug("skipping an undecodable record (the bug: not even dead-lettered)");
            return;
        }
        if (event == null) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(BROKEN_WRITE)) {
                ps.setString(1, event.getOrgId());
                ps.setString(2, event.getPhoneNumber());
                ps.setString(3, event.getVapiPhoneId());
                ps.setString(4, event.getTwilioSid());
                ps.executeUpdate();
            } catch (SQLException e) {
                log.debug("SSOT write failed (non-fatal, continuing): {}", e.getMessage());
            }
            c.commit();
        }
    }

    @Override
    public ComponentHealth health() {
        return dead ? ComponentHealth.down("died") : running ? ComponentHealth.up() : ComponentHealth.down("stopped");
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package com.voxanne.ssot.relay.offsets;

import io.debezium.embedded.KafkaConnectUtil;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.util.SharedTopicAdmin;
import org.apache.kafka.connect.util.TopicAdmin;

/**
 * Kafka Connect's {@link KafkaOffsetBackingStore} (the engine's WAL position in a compacted topic, one
 * partition) that also closes the admin client it creates. Debezium's stock wiring for this store
 * ({@code KafkaConnectUtil.kafkaOffsetBackingStore}) opens a shared admin client and never closes it, so
 * every engine (re)start would leak a client thread that keeps reconnecting while Kafka is down.
 *
 * <p>The engine instantiates it by class name ({@code offset.storage}) with the no-argument constructor.
 */
public class RelayOffsetStore extends KafkaOffsetBackingStore {
    private final AtomicReference<SharedTopicAdmin> admin;
    private final AtomicReference<String> clientIdBase;
    private volatile boolean started;

    public RelayOffsetStore() {
        this(new AtomicReference<>(), new AtomicReference<>("ssot-relay"));
    }

    private RelayOffsetStore(AtomicReference<SharedTopicAdmin> admin, AtomicReference<String> clientIdBase) {
        super(() -> adminOf(admin), clientIdBase::get, KafkaConnectUtil.converterForOffsetStore());
        this.admin = admin;
        this.clientIdBase = clientIdBase;
    }

    private static TopicAdmin adminOf(AtomicReference<SharedTopicAdmin> admin) {
        SharedTopicAdmin shared = admin.get();
        if (shared == null) {
            throw new IllegalStateException("the relay offset store is used before configure() or after stop()");
        }
        return shared.get();
    }

    @Override
    public void configure(WorkerConfig config) {
        Object engineName = config.originals().get("name");
        if (engineName != null) {
            clientIdBase.set(engineName + "-");
        }
        Map<String, Object> adminProps = new HashMap<>();
        config.originals().forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                adminProps.put(k, v);
            }
        });
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, clientIdBase.get() + "offsets-admin");
        SharedTopicAdmin previous = admin.getAndSet(new SharedTopicAdmin(adminProps));
        if (previous != null) {
            previous.close(Duration.ofSeconds(5));
        }
        super.configure(config);
    }

    @Override
    public void start() {
        super.start();
        started = true;
    }

    /** Stops the log if it was started (the engine also calls this after a failed start), then the admin. */
    @Override
    public void stop() {
        try {
            if (started) {
                started = false;
                super.stop();
            }
        } finally {
            SharedTopicAdmin shared = admin.getAndSet(null);
            if (shared != null) {
                shared.close(Duration.ofSeconds(5));
            }
        }
    }
}

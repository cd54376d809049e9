package com.voxanne.ssot.benchmarks.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.ssot.benchmarks.infra.TopicWatcher;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each org_credentials row was committed, seen from outside the services: the relay's change stream of
 * org_credentials carries, for every committed write, the row (with {@code last_event_id}, the event that wrote
 * it) and {@code __source_ts_ms}, PostgreSQL's commit timestamp of that transaction. Keyed by event id, so a
 * provisioning request's row is found by its deterministic NumberProvisioned event id.
 */
public final class CommitObserver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommitObserver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Long> committedAt = new ConcurrentHashMap<>();
    private final TopicWatcher<String, String> watcher;

    CommitObserver(KafkaClients kafka, String cdcOrgCredentialsTopic) {
        this.watcher = TopicWatcher.start(kafka, cdcOrgCredentialsTopic, new StringDeserializer(), new StringDeserializer(),
                this::arrived);
    }

    private void arrived(ConsumerRecord<String, String> record, long nanos, long millis) {
        if (record.value() == null) {
            return; // tombstone after a delete
        }
        try {
            JsonNode row = JSON.readTree(record.value());
            JsonNode event = row.get("last_event_id");
            JsonNode ts = row.get("__source_ts_ms");
            if (event != null && !event.isNull() && ts != null && !"d".equals(row.path("__op").asText())) {
                committedAt.putIfAbsent(event.asText(), ts.asLong());
            }
        } catch (IOException e) {
            log.warn("Unreadable org_credentials change at {}-{}@{}: not counted", record.topic(), record.partition(), record.offset(), e);
        }
    }

    /** Commit time (epoch ms, PostgreSQL's clock) of the row written by event {@code eventId}, once relayed. */
    public OptionalLong committedAt(String eventId) {
        Long t = committedAt.get(eventId);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    public boolean seen(String eventId) {
        return committedAt.containsKey(eventId);
    }

    public Optional<Throwable> failure() {
        return watcher.failure();
    }

    @Override
    public void close() throws InterruptedException {
        watcher.close();
    }
}

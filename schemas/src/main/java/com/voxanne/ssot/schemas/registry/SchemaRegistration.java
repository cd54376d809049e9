package com.voxanne.ssot.schemas.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.voxanne.ssot.schemas.CompatibilityGate;
import com.voxanne.ssot.schemas.SchemaHistory;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.serde.AvroSerde;

/**
 * What {@code ./ssot setup} does to the schema registry: for every Avro topic, subject {@code <topic>-value} (and for
 * each record type added to a topic, {@code <topic>-<record full name>}, see {@link Topics#addedRecordTypes}) gets the
 * compatibility level our build gate enforces ({@link CompatibilityGate#REGISTRY_LEVEL}) and every shipped version of
 * the topic's record, in history order (v1 first), so that ids exist for everything a producer of ours may have written
 * and the registry judges any other producer's schema by the same rule as our build does.
 *
 * <p>Idempotent: a version the subject already has keeps its id. A registry that refuses a version (a subject that
 * already holds an incompatible schema, a level it refuses) stops the registration with the registry's own message.
 */
public final class SchemaRegistration {

    /** One subject as registered: its level and the id of each shipped version, v1 first. */
    public record Subject(String subject, String topic, String recordName, String compatibility, List<Integer> ids) {
        @Override
        public String toString() {
            return subject + " (" + recordName + " v1..v" + ids.size() + " -> ids " + ids + ", " + compatibility + ")";
        }
    }

    /** The registry refused one of our schemas. */
    public static final class RegistrationRefusedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegistrationRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final SchemaRegistryClient client;
    private final SchemaHistory history;

    public SchemaRegistration(SchemaRegistryClient client, SchemaHistory history) {
        this.client = Objects.requireNonNull(client, "client");
        this.history = Objects.requireNonNull(history, "history");
    }

    /**
     * Registers every Avro topic of {@code topics}.
     *
     * @return the subjects, in contract order
     * @throws RegistrationRefusedException       the registry refused a level or a version (its message included)
     * @throws SchemaRegistryUnavailableException the registry cannot be reached
     */
    public List<Subject> registerAll(Topics topics) {
        List<Subject> done = new ArrayList<>();
        for (Topic<?, ?> topic : topics.avroTopics().values()) {
            done.add(register(topic));
        }
        for (Topic<?, ?> topic : topics.addedRecordTypes()) {
            done.add(register(topic));
        }
        return done;
    }

    private Subject register(Topic<?, ?> topic) {
        AvroSerde<?> serde = (AvroSerde<?>) topic.valueSerde();
        String recordName = serde.schema().getName();
        String subject = serde.subject(topic.name());
        try {
            client.setCompatibility(subject, CompatibilityGate.REGISTRY_LEVEL);
        } catch (SchemaRegistryException e) {
            throw new RegistrationRefusedException("the schema registry refused compatibility " + CompatibilityGate.REGISTRY_LEVEL
                    + " for " + subject + ": " + e.getMessage(), e);
        }
        List<Integer> ids = new ArrayList<>();
        for (SchemaHistory.Version version : history.versions(recordName)) {
            try {
                ids.add(client.register(subject, version.schema()));
            } catch (SchemaRegistryException e) {
                throw new RegistrationRefusedException("the schema registry refused " + version + " under " + subject + ": "
                        + e.getMessage(), e);
            }
        }
        return new Subject(subject, topic.name(), recordName, CompatibilityGate.REGISTRY_LEVEL, List.copyOf(ids));
    }

    /** Subject name to the ids registered, for a report. */
    public static Map<String, List<Integer>> idsBySubject(List<Subject> subjects) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        subjects.forEach(s -> out.put(s.subject(), s.ids()));
        return out;
    }
}

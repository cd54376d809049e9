package com.voxanne.ssot.cli.tail;

import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code ./ssot tail TOPIC} reads: a topic of the deployment, or the dead-letter topic of one, and the registry
 * topic whose value serde decodes what is on it.
 *
 * @param name        the Kafka topic to read
 * @param source      the registry topic whose records these are (for a dead-letter topic: the topic they were parked from)
 * @param deadLetters true for a dead-letter topic: its values are the parked bytes, decoded as {@code source}'s record
 *                    type only where they can be
 */
public record TailTarget(String name, Topic<?, ?> source, boolean deadLetters) {

    public TailTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
    }

    /**
     * The topic {@code argument} names: a topic's name as this deployment has it (TOPIC_* overrides applied), the
     * dead-letter topic of one ({@link Topic#dlqOf}), or a logical id such as {@code PROVISIONING_REQUESTS} in any case.
     * Names are matched exactly (Kafka's are case-sensitive), before ids.
     *
     * @throws UnknownTopicException listing every name and id that would have been accepted
     */
    public static TailTarget resolve(Topics topics, String argument) {
        Map<String, Topic<?, ?>> byId = new java.util.LinkedHashMap<>(topics.all());
        // the topics that carry two record types are read through their readers' view, so both render
        byId.put(Topics.PROVISIONING_REQUESTS, topics.requests());
        byId.put(Topics.NUMBERS_PROVISIONED, topics.numberEvents());
        for (Topic<?, ?> topic : byId.values()) {
            if (topic.name().equals(argument)) {
                return new TailTarget(topic.name(), topic, false);
            }
        }
        for (Topic<?, ?> topic : byId.values()) {
            if (topic.dlq().equals(argument)) {
                return new TailTarget(topic.dlq(), topic, true);
            }
        }
        for (Map.Entry<String, Topic<?, ?>> entry : byId.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(argument)) {
                return new TailTarget(entry.getValue().name(), entry.getValue(), false);
            }
        }
        throw new UnknownTopicException(argument, topics);
    }

    /** An argument that names no topic of the deployment. */
    public static final class UnknownTopicException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnknownTopicException(String argument, Topics topics) {
            super("unknown topic '" + argument + "'. Known topics: "
                    + String.join(", ", topics.names().values())
                    + "; their dead-letter topics: "
                    + String.join(", ", topics.all().values().stream().map(Topic::dlq).toList())
                    + "; or a logical id (any case): " + String.join(", ", List.copyOf(topics.all().keySet())));
        }
    }
}

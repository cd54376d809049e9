package com.voxanne.ssot.pipeline.status;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.Set;

/**
 * The client ids of this process's Kafka clients, read from its metrics registry: every client the services make is
 * bound to it with its {@code client-id} tag (see {@code KafkaClientMeters}, and Kafka Streams' own binder for the
 * reconciler's consumers), so a group member with one of these ids is this process's, with no hook in any service.
 */
public final class LocalKafkaClients {
    private static final String[] TAGS = {"client-id", "client.id"};

    private LocalKafkaClients() {
    }

    public static Set<String> ids(MeterRegistry registry) {
        Set<String> ids = new HashSet<>();
        for (Meter meter : registry.getMeters()) {
            for (String tag : TAGS) {
                String id = meter.getId().getTag(tag);
                if (id != null) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }
}

package com.voxanne.ssot.platform.kafka;

import java.time.Duration;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.voxanne.ssot.platform.retry.Backoff;
import com.voxanne.ssot.schemas.Topic;
import com.voxanne.ssot.schemas.Topics;
import com.voxanne.ssot.schemas.registry.SchemaRegistryUnavailableException;

/**
 * A writer's start against the schema registry: the id of each schema it will write is looked up (registered if the
 * subject lacks it) before the first record, waiting for a registry that is not up yet, so that writing never needs the
 * registry afterwards. A no-op for single-object encoding.
 */
public final class AvroWriters {
    private static final Logger log = LoggerFactory.getLogger(AvroWriters.class);

    private AvroWriters() {
    }

    /**
     * @throws IllegalStateException the registry could not be reached within {@code timeout}
     * @throws com.voxanne.ssot.schemas.registry.SchemaRegistryException the registry refused one of our schemas
     */
    public static void prepare(Topics topics, Duration timeout, Topic<?, ?>... writes) throws InterruptedException {
        try {
            whileUnavailable(timeout, "before writing", () -> {
                topics.prepareWriters(writes);
                return null;
            });
        } catch (SchemaRegistryUnavailableException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Runs {@code call} until the registry answers it, backing off between tries: for the starts and setups that must
     * wait for a registry still coming up.
     *
     * @throws SchemaRegistryUnavailableException the registry did not answer within {@code timeout} (the last failure as
     *                                            its cause)
     */
    public static <T> T whileUnavailable(Duration timeout, String what, Supplier<T> call) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 2.0);
        int failures = 0;
        while (true) {
            try {
                return call.get();
            } catch (SchemaRegistryUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw new SchemaRegistryUnavailableException("the schema registry did not answer within " + timeout + ": "
                            + e.getMessage(), e);
                }
                if (failures == 0) {
                    log.warn("Waiting for the schema registry {}: {}", what, e.getMessage());
                }
                Thread.sleep(backoff.delay(failures++).toMillis());
            }
        }
    }
}

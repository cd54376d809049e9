package com.voxanne.ssot.schemas.registry;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The schema registry as the serdes need it: ids of the schemas we write, schemas of the ids we read, both cached for
 * the life of the process (an id never changes meaning), so that once a schema is known a registry outage changes
 * nothing for it.
 *
 * <p>Lookups that miss the cache are retried a bounded number of times: an unreachable registry
 * ({@link SchemaRegistryUnavailableException}) is rethrown after {@link Retries#unavailableAttempts} for the caller to
 * retry later (consumers back off and redo the batch, nothing is dropped); an id the registry answers it does not have
 * is asked again {@link Retries#unknownIdAttempts} times (another registry node may not have it yet) and is then
 * reported unknown, a verdict remembered for {@link Retries#unknownIdMemory} so that a run of records with the same
 * unknown id is dead-lettered without waiting for each.
 */
public final class RegisteredSchemas {

    /**
     * How hard a lookup tries before giving up.
     *
     * @param unavailableAttempts tries while the registry cannot be reached, before the caller gets the failure
     * @param unknownIdAttempts   tries of an id the registry says it does not have, before the id counts as unknown
     * @param backoff             pause between tries
     * @param unknownIdMemory     how long an unknown id stays unknown without asking again
     */
    public record Retries(int unavailableAttempts, int unknownIdAttempts, Duration backoff, Duration unknownIdMemory) {
        public static final Retries DEFAULT = new Retries(3, 3, Duration.ofMillis(300), Duration.ofSeconds(30));

        public Retries {
            if (unavailableAttempts < 1 || unknownIdAttempts < 1) {
                throw new IllegalArgumentException("attempts must be >= 1");
            }
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(unknownIdMemory, "unknownIdMemory");
        }
    }

    /** The registry does not have this id (after the bounded retries). */
    public static final class UnknownSchemaIdException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownSchemaIdException(int id, String registry) {
            super("schema id " + id + " is not in the schema registry " + registry);
        }
    }

    private record WriterKey(String subject, long fingerprint) {
    }

    private final SchemaRegistryClient client;
    private final Retries retries;
    private final Map<WriterKey, Integer> writerIds = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<Integer, Long> unknownUntil = new ConcurrentHashMap<>();

    public RegisteredSchemas(SchemaRegistryClient client, Retries retries) {
        this.client = Objects.requireNonNull(client, "client");
        this.retries = Objects.requireNonNull(retries, "retries");
    }

    public RegisteredSchemas(SchemaRegistryClient client) {
        this(client, Retries.DEFAULT);
    }

    public SchemaRegistryClient client() {
        return client;
    }

    /**
     * The id of {@code schema} under {@code subject}, registering it there if the subject does not have it yet (as a
     * Confluent serializer with {@code auto.register.schemas} does; {@code ./ssot setup} registers every shipped version
     * beforehand, so in a set-up deployment this only looks up).
     *
     * @throws SchemaRegistryUnavailableException the registry could not be reached in the bounded tries
     * @throws SchemaRegistryException            the registry refused the schema under that subject
     */
    public int writerId(String subject, Schema schema) {
        WriterKey key = new WriterKey(subject, SchemaNormalization.parsingFingerprint64(schema));
        Integer cached = writerIds.get(key);
        if (cached != null) {
            return cached;
        }
        int id = whileUnavailable(() -> client.register(subject, schema));
        writerIds.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * The writer schema of {@code id}.
     *
     * @throws UnknownSchemaIdException           the registry does not have it
     * @throws SchemaRegistryUnavailableException the registry could not be reached in the bounded tries
     */
    public Schema schema(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        Long until = unknownUntil.get(id);
        if (until != null && System.nanoTime() - until < 0) {
            throw new UnknownSchemaIdException(id, client.baseUrl());
        }
        for (int attempt = 1; ; attempt++) {
            Optional<Schema> found = whileUnavailable(() -> client.schemaById(id));
            if (found.isPresent()) {
                unknownUntil.remove(id);
                schemasById.put(id, found.get());
                return found.get();
            }
            if (attempt >= retries.unknownIdAttempts()) {
                unknownUntil.put(id, System.nanoTime() + retries.unknownIdMemory().toNanos());
                throw new UnknownSchemaIdException(id, client.baseUrl());
            }
            pause();
        }
    }

    private <T> T whileUnavailable(Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (SchemaRegistryUnavailableException e) {
                if (attempt >= retries.unavailableAttempts() || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                pause();
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(retries.backoff().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while waiting to ask the schema registry again", e);
        }
    }

    @Override
    public String toString() {
        return "RegisteredSchemas[" + client + ", " + writerIds.size() + " writer ids, " + schemasById.size() + " schemas]";
    }
}

package com.voxanne.ssot.schemas;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import com.voxanne.ssot.schemas.avro.NumberReleased;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import com.voxanne.ssot.schemas.serde.AvroSerde.SubjectNaming;
import com.voxanne.ssot.schemas.serde.AvroWire;
import com.voxanne.ssot.schemas.serde.MultiRecordSerde;

/**
 * The immutable registry of every topic of the pipeline, with typed serdes.
 *
 * <p>Each topic has a logical id (the constants below) and a default name from the product
 * contract; deployments override names by logical id ({@link #withNames}). Configuration reads
 * the override of id {@code X} from the environment variable {@link #envVarName(String)
 * TOPIC_X}, e.g. {@code TOPIC_PROVISIONING_REQUESTS}.
 *
 * <p>The Avro topics' serdes speak the {@link AvroWire} given ({@link #withWire}); without one they write
 * single-object encoding and cannot resolve Confluent-framed values.
 */
public final class Topics {

    /** Logical id of {@code telephony.provisioning.requests}, key orgId. */
    public static final String PROVISIONING_REQUESTS = "PROVISIONING_REQUESTS";
    /** Logical id of {@code telephony.provisioning.results}, key orgId. */
    public static final String PROVISIONING_RESULTS = "PROVISIONING_RESULTS";
    /** Logical id of {@code telephony.numbers.provisioned}, key orgId. */
    public static final String NUMBERS_PROVISIONED = "NUMBERS_PROVISIONED";
    /** Logical id of {@code ssot.violations}, key {@code orgId|phoneNumber}, compacted. */
    public static final String VIOLATIONS = "VIOLATIONS";
    /** Logical id of {@code cdc.managed_phone_numbers}, key {@code orgId|E.164}, JSON value. */
    public static final String CDC_MANAGED_NUMBERS = "CDC_MANAGED_NUMBERS";
    /** Logical id of {@code cdc.org_credentials}, key {@code orgId|E.164}, JSON value. */
    public static final String CDC_ORG_CREDENTIALS = "CDC_ORG_CREDENTIALS";

    /** Prefix of the environment variable that overrides a topic name. */
    public static final String ENV_PREFIX = "TOPIC_";

    /** Default name of every topic by logical id, as in the product contract. */
    public static final Map<String, String> DEFAULT_NAMES = defaultNames();

    /** Separator in composite keys ({@code orgId|phoneNumber}). */
    public static final String KEY_SEPARATOR = "|";

    private final Topic<String, ProvisionNumberRequest> provisioningRequests;
    private final Topic<String, ProvisioningResult> provisioningResults;
    private final Topic<String, NumberProvisioned> numbersProvisioned;
    private final Topic<String, SsotViolation> violations;
    private final Topic<String, ReleaseNumberRequest> releaseRequests;
    private final Topic<String, NumberReleased> numbersReleased;
    private final Topic<String, SpecificRecord> requests;
    private final Topic<String, SpecificRecord> numberEvents;
    private final Topic<String, String> cdcManagedNumbers;
    private final Topic<String, String> cdcOrgCredentials;
    private final Map<String, Topic<?, ?>> byId;
    private final Map<String, String> names;
    private final AvroWire wire;

    private Topics(Map<String, String> names, AvroWire wire) {
        this.names = Map.copyOf(names);
        this.wire = Objects.requireNonNull(wire, "wire");
        SchemaHistory history = SchemaHistory.bundled();
        AvroSerde<ProvisionNumberRequest> provisionSerde = AvroSerde.of(ProvisionNumberRequest.class, history, wire);
        AvroSerde<ReleaseNumberRequest> releaseSerde =
                AvroSerde.of(ReleaseNumberRequest.class, history, wire, SubjectNaming.TOPIC_RECORD_NAME);
        AvroSerde<NumberProvisioned> provisionedSerde = AvroSerde.of(NumberProvisioned.class, history, wire);
        AvroSerde<NumberReleased> releasedSerde =
                AvroSerde.of(NumberReleased.class, history, wire, SubjectNaming.TOPIC_RECORD_NAME);
        provisioningRequests = new Topic<>(names.get(PROVISIONING_REQUESTS), Serdes.String(), provisionSerde);
        releaseRequests = new Topic<>(names.get(PROVISIONING_REQUESTS), Serdes.String(), releaseSerde);
        requests = new Topic<>(names.get(PROVISIONING_REQUESTS), Serdes.String(),
                MultiRecordSerde.of(List.of(provisionSerde, releaseSerde)));
        provisioningResults = new Topic<>(names.get(PROVISIONING_RESULTS), Serdes.String(),
                AvroSerde.of(ProvisioningResult.class, history, wire));
        numbersProvisioned = new Topic<>(names.get(NUMBERS_PROVISIONED), Serdes.String(), provisionedSerde);
        numbersReleased = new Topic<>(names.get(NUMBERS_PROVISIONED), Serdes.String(), releasedSerde);
        numberEvents = new Topic<>(names.get(NUMBERS_PROVISIONED), Serdes.String(),
                MultiRecordSerde.of(List.of(provisionedSerde, releasedSerde)));
        violations = new Topic<>(names.get(VIOLATIONS), Serdes.String(), AvroSerde.of(SsotViolation.class, history, wire));
        cdcManagedNumbers = new Topic<>(names.get(CDC_MANAGED_NUMBERS), Serdes.String(), Serdes.String());
        cdcOrgCredentials = new Topic<>(names.get(CDC_ORG_CREDENTIALS), Serdes.String(), Serdes.String());
        Map<String, Topic<?, ?>> ids = new LinkedHashMap<>();
        ids.put(PROVISIONING_REQUESTS, provisioningRequests);
        ids.put(PROVISIONING_RESULTS, provisioningResults);
        ids.put(NUMBERS_PROVISIONED, numbersProvisioned);
        ids.put(VIOLATIONS, violations);
        ids.put(CDC_MANAGED_NUMBERS, cdcManagedNumbers);
        ids.put(CDC_ORG_CREDENTIALS, cdcOrgCredentials);
        byId = Collections.unmodifiableMap(ids);
    }

    /** The registry with the contract's default names. */
    public static Topics defaults() {
        return new Topics(DEFAULT_NAMES, AvroWire.singleObject());
    }

    /**
     * The registry with some names overridden.
     *
     * @param overrides topic name by logical id (e.g. {@code PROVISIONING_REQUESTS ->
     *     "acme.provisioning.requests"}); ids not given keep their default name
     * @throws IllegalArgumentException for an unknown id, an illegal name, or two topics (or a
     *     topic and another's dead-letter topic) with the same name
     */
    public static Topics withNames(Map<String, String> overrides) {
        Objects.requireNonNull(overrides, "overrides");
        Map<String, String> names = new LinkedHashMap<>(DEFAULT_NAMES);
        overrides.forEach((id, name) -> {
            if (!DEFAULT_NAMES.containsKey(id)) {
                throw new IllegalArgumentException("unknown topic id '" + id + "'; known ids: " + DEFAULT_NAMES.keySet());
            }
            try {
                names.put(id, Topic.requireLegalName(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("topic " + id + " (" + envVarName(id) + "): " + e.getMessage(), e);
            }
        });
        Map<String, String> idByName = new HashMap<>();
        names.forEach((id, name) -> {
            for (String taken : List.of(name, name + Topic.DLQ_SUFFIX)) {
                String previous = idByName.putIfAbsent(taken, id);
                if (previous != null) {
                    throw new IllegalArgumentException("topics " + previous + " and " + id
                            + " would share the name '" + taken + "'");
                }
            }
        });
        return new Topics(names, AvroWire.singleObject());
    }

    /** The same topics, their Avro values written and read through {@code wire}. */
    public Topics withWire(AvroWire wire) {
        return new Topics(names, wire);
    }

    /** How this registry's Avro topics carry their values. */
    public AvroWire wire() {
        return wire;
    }

    /**
     * The Avro topics (those with an {@link AvroSerde} value serde), by logical id, in contract order: the topics that
     * have a subject {@code <topic>-value} in the schema registry.
     */
    public Map<String, Topic<?, ?>> avroTopics() {
        Map<String, Topic<?, ?>> avro = new LinkedHashMap<>();
        byId.forEach((id, topic) -> {
            if (topic.valueSerde() instanceof AvroSerde<?>) {
                avro.put(id, topic);
            }
        });
        return Collections.unmodifiableMap(avro);
    }

    /**
     * Looks up (registering if needed) the writer schema id of each given Avro topic now, so that writing to them later
     * needs no registry. A no-op for single-object encoding.
     *
     * @throws com.voxanne.ssot.schemas.registry.SchemaRegistryUnavailableException the registry cannot be reached
     */
    public void prepareWriters(Topic<?, ?>... topics) {
        if (wire.writes() != AvroWire.Format.CONFLUENT) {
            return;
        }
        for (Topic<?, ?> topic : topics) {
            if (topic.valueSerde() instanceof AvroSerde<?> avro) {
                avro.writerId(topic.name());
            }
        }
    }

    /** The environment variable that overrides the name of topic {@code id}: {@code TOPIC_<id>}. */
    public static String envVarName(String id) {
        if (!DEFAULT_NAMES.containsKey(id)) {
            throw new IllegalArgumentException("unknown topic id '" + id + "'; known ids: " + DEFAULT_NAMES.keySet());
        }
        return ENV_PREFIX + id;
    }

    /** The logical ids of all topics. */
    public static Set<String> ids() {
        return DEFAULT_NAMES.keySet();
    }

    /** Composite key {@code orgId|phoneNumber} of violations and CDC records. */
    public static String orgNumberKey(String orgId, String phoneNumber) {
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(phoneNumber, "phoneNumber");
        return orgId + KEY_SEPARATOR + phoneNumber;
    }

    /** {@code telephony.provisioning.requests}: key orgId, commands from upstream services. */
    public Topic<String, ProvisionNumberRequest> provisioningRequests() {
        return provisioningRequests;
    }

    /**
     * {@code telephony.provisioning.requests} as the writer of ReleaseNumberRequests sees it: the same topic as
     * {@link #provisioningRequests()} (same key, so an org's provisions and releases keep their order), values under
     * the subject {@code <topic>-com.voxanne.ssot.schemas.avro.ReleaseNumberRequest}.
     */
    public Topic<String, ReleaseNumberRequest> releaseRequests() {
        return releaseRequests;
    }

    /**
     * {@code telephony.provisioning.requests} as its reader sees it: a ProvisionNumberRequest or a ReleaseNumberRequest
     * per record, dispatched on the writer schema; any other type is undecodable ({@code WRONG_RECORD_TYPE}).
     */
    public Topic<String, SpecificRecord> requests() {
        return requests;
    }

    /**
     * {@code telephony.numbers.provisioned} as the writer of NumberReleased sees it (the relay, through the outbox):
     * values under the subject {@code <topic>-com.voxanne.ssot.schemas.avro.NumberReleased}.
     */
    public Topic<String, NumberReleased> numbersReleased() {
        return numbersReleased;
    }

    /** {@code telephony.numbers.provisioned} as its readers see it: NumberProvisioned or NumberReleased per record. */
    public Topic<String, SpecificRecord> numberEvents() {
        return numberEvents;
    }

    /**
     * The record types added to a topic that already carried another one, each with its own subject
     * ({@link SubjectNaming#TOPIC_RECORD_NAME}): what the registry setup registers beyond {@link #avroTopics()}.
     */
    public List<Topic<?, ?>> addedRecordTypes() {
        return List.of(releaseRequests, numbersReleased);
    }

    /** {@code telephony.provisioning.results}: key orgId, one result per request. */
    public Topic<String, ProvisioningResult> provisioningResults() {
        return provisioningResults;
    }

    /** {@code telephony.numbers.provisioned}: key orgId, the event log that backfill replays. */
    public Topic<String, NumberProvisioned> numbersProvisioned() {
        return numbersProvisioned;
    }

    /** {@code ssot.violations}: key {@code orgId|phoneNumber}, compacted. */
    public Topic<String, SsotViolation> violations() {
        return violations;
    }

    /** {@code cdc.managed_phone_numbers}: key {@code orgId|E.164}, Debezium row JSON. */
    public Topic<String, String> cdcManagedNumbers() {
        return cdcManagedNumbers;
    }

    /** {@code cdc.org_credentials}: key {@code orgId|E.164}, Debezium row JSON. */
    public Topic<String, String> cdcOrgCredentials() {
        return cdcOrgCredentials;
    }

    /**
     * The topic with logical id {@code id}.
     *
     * @throws IllegalArgumentException for an unknown id
     */
    public Topic<?, ?> byId(String id) {
        Topic<?, ?> topic = byId.get(id);
        if (topic == null) {
            throw new IllegalArgumentException("unknown topic id '" + id + "'; known ids: " + byId.keySet());
        }
        return topic;
    }

    /** Every topic by logical id (unmodifiable, in contract order). */
    public Map<String, Topic<?, ?>> all() {
        return byId;
    }

    /** Every topic name by logical id (unmodifiable). */
    public Map<String, String> names() {
        Map<String, String> names = new LinkedHashMap<>();
        byId.forEach((id, topic) -> names.put(id, topic.name()));
        return Collections.unmodifiableMap(names);
    }

    @Override
    public String toString() {
        return "Topics" + names();
    }

    private static Map<String, String> defaultNames() {
        Map<String, String> names = new LinkedHashMap<>();
        names.put(PROVISIONING_REQUESTS, "telephony.provisioning.requests");
        names.put(PROVISIONING_RESULTS, "telephony.provisioning.results");
        names.put(NUMBERS_PROVISIONED, "telephony.numbers.provisioned");
        names.put(VIOLATIONS, "ssot.violations");
        names.put(CDC_MANAGED_NUMBERS, "cdc.managed_phone_numbers");
        names.put(CDC_ORG_CREDENTIALS, "cdc.org_credentials");
        return Collections.unmodifiableMap(names);
    }
}

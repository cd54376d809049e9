package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.Episode;
import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.NumberObservation;
import com.voxanne.ssot.reconciler.model.OpenViolation;
import com.voxanne.ssot.reconciler.model.SsotRow;
import com.voxanne.ssot.schemas.avro.SsotViolation;
import com.voxanne.ssot.schemas.serde.AvroSerde;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The reconciler's Kafka Streams topology:
 * <pre>
 * cdc.managed_phone_numbers --table--+
 *                                    +-- OUTER JOIN on the (org, phone) key --> compliance processor --> ssot.violations
 * cdc.org_credentials ------table----+        (co-partitioned: no repartition)   (+ wall-clock punctuator)
 * </pre>
 * Both CDC topics are keyed {@code orgId|E.164} by the relay and co-partitioned, so the join is a plain
 * KTable-KTable outer join (so an SSOT row with no managed number is seen too): no re-keying, no foreign-key join (KAFKA-16394, KAFKA-16407). Deletes
 * ({@code "__deleted":"true"}) and tombstones read as null and remove the key from its table. The relay's JSON is
 * parsed once, at the source; the tables keep rows in the reconciler's binary {@link StoredRowSerde} format.
 *
 * <p>The compliance processor also keeps the compliance timeline (the episodes store, with a changelog like every
 * store here): each episode from its OPEN to its RESOLVED and what resolved it, for the timeline's retention.
 */
public final class ReconcilerTopology {
    private ReconcilerTopology() {
    }

    /** The topology writing violations in single-object encoding (no registry): for tests of the topology alone. */
    public static Topology buildTopology(ReconcilerTopologyConfig config) {
        return buildTopology(config, AvroSerde.of(SsotViolation.class));
    }

    /**
     * @param violations the violations topic's value serde (the deployment's wire format; its writer schema id must be
     *                   prepared beforehand, see {@code AvroWriters}, so that producing never waits on the registry)
     */
    public static Topology buildTopology(ReconcilerTopologyConfig config, Serde<SsotViolation> violations) {
        ReconcilerTopologyConfig.StoreNames stores = config.stores();
        StreamsBuilder builder = new StreamsBuilder();

        // stream(...).toTable(...) rather than table(...): a source table would keep its rows in the Consumed serde's
        // format (the relay's JSON, parsed again on every read of the other side of the join); this way the JSON is
        // parsed once, at the source, and the stores hold the compact StoredRowSerde format. No repartition: the key
        // is unchanged. A null value (delete or tombstone) removes the key, as in a source table.
        KTable<String, ManagedNumberRow> managed = builder
                .stream(config.managedNumbersTopic(),
                        Consumed.with(Serdes.String(), CdcRowSerde.managedNumbers()).withName("managed-numbers-cdc"))
                .toTable(Named.as("managed-numbers-table"),
                        Materialized.<String, ManagedNumberRow, KeyValueStore<Bytes, byte[]>>as(stores.managedNumbers())
                                .withKeySerde(Serdes.String())
                                .withValueSerde(StoredRowSerde.managedNumbers()));
        KTable<String, SsotRow> credentials = builder
                .stream(config.orgCredentialsTopic(),
                        Consumed.with(Serdes.String(), CdcRowSerde.orgCredentials()).withName("org-credentials-cdc"))
                .toTable(Named.as("org-credentials-table"),
                        Materialized.<String, SsotRow, KeyValueStore<Bytes, byte[]>>as(stores.orgCredentials())
                                .withKeySerde(Serdes.String())
                                .withValueSerde(StoredRowSerde.orgCredentials()));

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(stores.observations()),
                Serdes.String(), new JsonSerde<>(NumberObservation.class)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(stores.openViolations()),
                Serdes.String(), new JsonSerde<>(OpenViolation.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(stores.dueIndex()),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(stores.episodes()),
                Serdes.String(), new JsonSerde<>(Episode.class)));

        // an outer join: an SSOT row with no managed number behind it is a violation too (STALE_SSOT_ROW); the
        // processor's name stays the one the left join had, so a running deployment keeps its task and store names
        managed.outerJoin(credentials, JoinedNumber::new, Named.as("managed-left-join-credentials"))
                .toStream(Named.as("joined-numbers"))
                .process(() -> new ComplianceProcessor(config), Named.as("compliance"),
                        stores.observations(), stores.openViolations(), stores.dueIndex(), stores.episodes(),
                        stores.orgCredentials(), stores.managedNumbers())
                .to(config.violationsTopic(), Produced.with(Serdes.String(), violations)
                        .withName("violations-sink"));
        return builder.build();
    }
}

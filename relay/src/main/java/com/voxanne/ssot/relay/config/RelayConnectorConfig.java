package com.voxanne.ssot.relay.config;

import com.voxanne.ssot.relay.offsets.RelayOffsetStore;
import io.debezium.config.CommonConnectorConfig;
import io.debezium.connector.postgresql.PostgresConnector;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.PostgresConnectorConfig.AutoCreateMode;
import io.debezium.connector.postgresql.PostgresConnectorConfig.LogicalDecoder;
import io.debezium.converters.BinaryDataConverter;
import io.debezium.embedded.EmbeddedEngineConfig;
import io.debezium.heartbeat.DatabaseHeartbeatImpl;
import io.debezium.heartbeat.Heartbeat;
import io.debezium.relational.RelationalDatabaseConnectorConfig;
import io.debezium.transforms.ExtractNewRecordState;
import io.debezium.transforms.ExtractNewRecordStateConfigDefinition;
import io.debezium.transforms.outbox.EventRouter;
import io.debezium.transforms.outbox.EventRouterConfigDefinition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;
import org.apache.kafka.connect.transforms.RegexRouter;
import org.apache.kafka.connect.transforms.predicates.TopicNameMatches;

/**
 * The one definition of what the relay captures and how records are shaped, rendered two ways: as the
 * embedded engine's properties ({@link #engine}) and as a Kafka Connect connector config
 * ({@link #connect}, written to {@code connect/ssot-relay.json} by {@link ConnectConfigGenerator}). Both
 * start from {@link #capture}, so the two deployments cannot drift apart.
 *
 * <p>What it says:
 * <ul>
 *   <li>{@code public.outbox} goes through Debezium's outbox {@code EventRouter} to the
 *       numbers-provisioned topic: key {@code aggregateid} (the orgId), value the {@code payload} bytes
 *       as written, headers {@code eventId} and {@code eventType}. Deletes are ignored by the router,
 *       and the outbox is never snapshotted (rows are deleted in the writing transaction; a snapshot
 *       would re-emit any straggler).</li>
 *   <li>{@code managed_phone_numbers} and {@code org_credentials} are flattened by
 *       {@code ExtractNewRecordState} (rewrite-with-tombstone, {@code __op}, {@code __source_ts_ms},
 *       {@code __lsn}), keyed by {@code (org_id, phone_number)}, snapshotted on first start, and routed
 *       to their CDC topics.</li>
 *   <li>The slot advances on a quiet database: every heartbeat also writes a non-transactional logical
 *       decoding message ({@code pg_logical_emit_message}), which the connector sees (so its position
 *       moves) but does not publish (all message prefixes are excluded).</li>
 * </ul>
 *
 * <p>Keys: in the embedded engine the relay serialises the table key struct to {@code "orgId|phone"}
 * (see {@code RecordMapper}). Under Kafka Connect the {@link StringConverter} renders the same struct as
 * {@code Struct{org_id=...,phone_number=...}}. Both are deterministic and identical on both CDC topics
 * for the same (org, phone), so the topics stay co-partitioned; consumers treat CDC keys as opaque and
 * re-key from the value's {@code org_id} and {@code phone_number}.
 */
public final class RelayConnectorConfig {
    /** Connector name under Kafka Connect. */
    public static final String CONNECTOR_NAME = "ssot-relay";
    /** Prefix of the heartbeat's logical decoding message; excluded from the output. */
    public static final String HEARTBEAT_MESSAGE_PREFIX = "ssot-relay-heartbeat";
    /** Debezium's default heartbeat topic prefix; the relay reads heartbeats but never publishes them. */
    public static final String HEARTBEAT_TOPIC_PREFIX = "__debezium-heartbeat";

    public static final String OUTBOX_TABLE = "public.outbox";
    public static final String MANAGED_NUMBERS_TABLE = "public.managed_phone_numbers";
    public static final String ORG_CREDENTIALS_TABLE = "public.org_credentials";
    /** The tables read from the WAL. */
    public static final List<String> CAPTURED_TABLES = List.of(OUTBOX_TABLE, MANAGED_NUMBERS_TABLE, ORG_CREDENTIALS_TABLE);
    /** The tables read by the initial snapshot: never the outbox. */
    public static final List<String> SNAPSHOT_TABLES = List.of(MANAGED_NUMBERS_TABLE, ORG_CREDENTIALS_TABLE);

    /** Outbox header carrying the event id (the outbox row's {@code id}). */
    public static final String HEADER_EVENT_ID = "eventId";
    /** Outbox header carrying the event type (the outbox row's {@code type}). */
    public static final String HEADER_EVENT_TYPE = "eventType";

    /**
     * Outbox headers carrying the request's W3C trace context (the outbox row's {@code traceparent} and
     * {@code tracestate} columns, see migration V8): consumers continue the trace from them.
     */
    public static final String HEADER_TRACEPARENT = "traceparent";
    public static final String HEADER_TRACESTATE = "tracestate";

    /** Placeholder for the password in the Connect file: resolved by the worker's env config provider. */
    public static final String CONNECT_PASSWORD_PLACEHOLDER = "${env:DATABASE_PASSWORD}";

    private static final String T_OUTBOX = "outbox";
    private static final String T_UNWRAP = "unwrap";
    private static final String T_ROUTE_MANAGED = "routeManagedNumbers";
    private static final String T_ROUTE_CREDENTIALS = "routeOrgCredentials";
    private static final String P_IS_OUTBOX = "isOutbox";

    private RelayConnectorConfig() {
    }

    /** The Debezium topic of a captured table before routing: {@code <prefix>.public.<table>}. */
    public static String sourceTopic(String topicPrefix, String table) {
        return topicPrefix + "." + table;
    }

    /** The topic Debezium names for heartbeats: {@code __debezium-heartbeat.<prefix>}. */
    public static String heartbeatTopic(String topicPrefix) {
        return HEARTBEAT_TOPIC_PREFIX + "." + topicPrefix;
    }

    /**
     * What is captured and how it is shaped: everything both deployments share. No connection details,
     * no offset storage, no converters.
     */
    public static Map<String, String> capture(RelaySettings s) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(ConnectorConfig.CONNECTOR_CLASS_CONFIG, PostgresConnector.class.getName());
        c.put(PostgresConnectorConfig.PLUGIN_NAME.name(), LogicalDecoder.PGOUTPUT.getValue());
        c.put(CommonConnectorConfig.TOPIC_PREFIX.name(), s.topicPrefix());
        c.put(PostgresConnectorConfig.SLOT_NAME.name(), s.slotName());
        c.put(PostgresConnectorConfig.DROP_SLOT_ON_STOP.name(), "false");
        // A slot still held by a relay that is going away is retried every second for half a minute.
        c.put(PostgresConnectorConfig.MAX_RETRIES.name(), "30");
        c.put(PostgresConnectorConfig.RETRY_DELAY_MS.name(), "1000");
        c.put(PostgresConnectorConfig.PUBLICATION_NAME.name(), s.publication());
        c.put(PostgresConnectorConfig.PUBLICATION_AUTOCREATE_MODE.name(), AutoCreateMode.DISABLED.getValue());
        c.put(RelationalDatabaseConnectorConfig.TABLE_INCLUDE_LIST.name(), String.join(",", CAPTURED_TABLES));
        c.put(RelationalDatabaseConnectorConfig.MSG_KEY_COLUMNS.name(),
                MANAGED_NUMBERS_TABLE + ":org_id,phone_number;" + ORG_CREDENTIALS_TABLE + ":org_id,phone_number");
        c.put(PostgresConnectorConfig.SNAPSHOT_MODE.name(), "initial");
        c.put(CommonConnectorConfig.SNAPSHOT_MODE_TABLES.name(), String.join(",", SNAPSHOT_TABLES));
        c.put(CommonConnectorConfig.TOMBSTONES_ON_DELETE.name(), "true");
        c.put(CommonConnectorConfig.BINARY_HANDLING_MODE.name(), "bytes");
        c.put(Heartbeat.HEARTBEAT_INTERVAL_PROPERTY_NAME, Long.toString(s.heartbeatInterval().toMillis()));
        c.put(DatabaseHeartbeatImpl.HEARTBEAT_ACTION_QUERY_PROPERTY_NAME,
                "SELECT pg_logical_emit_message(false, '" + HEARTBEAT_MESSAGE_PREFIX + "', now()::text)");
        // Logical decoding messages are never published: ours are heartbeats, anyone else's are not ours to relay.
        c.put(PostgresConnectorConfig.LOGICAL_DECODING_MESSAGE_PREFIX_EXCLUDE_LIST.name(), ".*");
        c.put(CommonConnectorConfig.POLL_INTERVAL_MS.name(), Long.toString(s.pollInterval().toMillis()));
        c.put(CommonConnectorConfig.MAX_BATCH_SIZE.name(), Integer.toString(s.maxBatchSize()));
        c.put(CommonConnectorConfig.MAX_QUEUE_SIZE.name(), Integer.toString(s.maxQueueSize()));

        c.put("transforms", String.join(",", T_OUTBOX, T_UNWRAP, T_ROUTE_MANAGED, T_ROUTE_CREDENTIALS));
        String outbox = "transforms." + T_OUTBOX + ".";
        c.put(outbox + "type", EventRouter.class.getName());
        c.put(outbox + "predicate", P_IS_OUTBOX);
        c.put(outbox + EventRouterConfigDefinition.FIELD_EVENT_ID.name(), "id");
        c.put(outbox + EventRouterConfigDefinition.FIELD_EVENT_KEY.name(), "aggregateid");
        c.put(outbox + EventRouterConfigDefinition.FIELD_PAYLOAD.name(), "payload");
        c.put(outbox + EventRouterConfigDefinition.FIELDS_ADDITIONAL_PLACEMENT.name(),
                "id:header:" + HEADER_EVENT_ID + ",type:header:" + HEADER_EVENT_TYPE
                        + ",traceparent:header:" + HEADER_TRACEPARENT + ",tracestate:header:" + HEADER_TRACESTATE);
        c.put(outbox + EventRouterConfigDefinition.EXPAND_JSON_PAYLOAD.name(), "false");
        c.put(outbox + EventRouterConfigDefinition.ROUTE_BY_FIELD.name(), "aggregatetype");
        c.put(outbox + EventRouterConfigDefinition.ROUTE_TOPIC_REGEX.name(), "(?<routedByValue>.*)");
        c.put(outbox + EventRouterConfigDefinition.ROUTE_TOPIC_REPLACEMENT.name(), s.topics().numbersProvisioned());

        String unwrap = "transforms." + T_UNWRAP + ".";
        c.put(unwrap + "type", ExtractNewRecordState.class.getName());
        c.put(unwrap + "predicate", P_IS_OUTBOX);
        c.put(unwrap + "negate", "true");
        c.put(unwrap + ExtractNewRecordStateConfigDefinition.HANDLE_TOMBSTONE_DELETES.name(), "rewrite-with-tombstone");
        c.put(unwrap + ExtractNewRecordStateConfigDefinition.ADD_FIELDS.name(), "op,source.ts_ms,source.lsn:lsn");

        route(c, T_ROUTE_MANAGED, sourceTopic(s.topicPrefix(), MANAGED_NUMBERS_TABLE), s.topics().managedNumbers());
        route(c, T_ROUTE_CREDENTIALS, sourceTopic(s.topicPrefix(), ORG_CREDENTIALS_TABLE), s.topics().orgCredentials());

        c.put("predicates", P_IS_OUTBOX);
        c.put("predicates." + P_IS_OUTBOX + ".type", TopicNameMatches.class.getName());
        c.put("predicates." + P_IS_OUTBOX + ".pattern", literal(sourceTopic(s.topicPrefix(), OUTBOX_TABLE)));
        return c;
    }

    /**
     * Properties of the embedded engine: {@link #capture} plus the connection (with the real password:
     * never log these), offsets kept in Kafka, and no connector-internal retries (the relay restarts
     * the engine with its own backoff, so the failure shows in health).
     *
     * @param kafkaClient the Kafka client properties (bootstrap servers, security) for the offset store
     */
    public static Properties engine(RelaySettings s, Map<String, Object> kafkaClient) {
        Properties p = new Properties();
        kafkaClient.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        p.putAll(capture(s));
        p.putAll(connection(s, s.databasePassword().map(secret -> secret.reveal()).orElse(null)));
        p.setProperty(EmbeddedEngineConfig.ENGINE_NAME.name(), engineName(s.slotName()));
        p.setProperty(EmbeddedEngineConfig.OFFSET_STORAGE.name(), RelayOffsetStore.class.getName());
        p.setProperty(EmbeddedEngineConfig.OFFSET_STORAGE_KAFKA_TOPIC.name(), s.offsetsTopic());
        p.setProperty(EmbeddedEngineConfig.OFFSET_STORAGE_KAFKA_PARTITIONS.name(), "1");
        p.setProperty(EmbeddedEngineConfig.OFFSET_STORAGE_KAFKA_REPLICATION_FACTOR.name(),
                Short.toString(s.offsetsReplicationFactor()));
        p.setProperty(EmbeddedEngineConfig.OFFSET_FLUSH_INTERVAL_MS.name(), Long.toString(s.offsetFlushInterval().toMillis()));
        p.setProperty(EmbeddedEngineConfig.OFFSET_COMMIT_TIMEOUT_MS.name(), Long.toString(s.sendTimeout().toMillis()));
        p.setProperty(EmbeddedEngineConfig.ERRORS_MAX_RETRIES.name(), "0");
        // The offset store's clients give up after the send timeout rather than Kafka's 60 s default, so an
        // engine that cannot reach Kafka fails (and is restarted, visibly) within the same bound as a write.
        if (!p.containsKey(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG) && !p.containsKey(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG)) {
            long send = s.sendTimeout().toMillis();
            p.setProperty(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(send));
            p.setProperty(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1000, send / 2)));
        }
        if (!p.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("the relay engine needs " + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG
                    + " (connect-runtime requires it for the offset store)");
        }
        return p;
    }

    /**
     * The Kafka Connect connector config: {@link #capture} plus the connection (password from the
     * worker's {@code env} config provider), converters that keep the outbox bytes as written and render
     * table rows as schemaless JSON, and unlimited connector-internal retries (Connect does not restart
     * failed tasks by itself).
     */
    public static Map<String, String> connect(RelaySettings s) {
        Map<String, String> c = new LinkedHashMap<>(capture(s));
        c.putAll(connection(s, CONNECT_PASSWORD_PLACEHOLDER));
        c.put(ConnectorConfig.TASKS_MAX_CONFIG, "1");
        c.put(ConnectorConfig.KEY_CONVERTER_CLASS_CONFIG, StringConverter.class.getName());
        c.put(ConnectorConfig.VALUE_CONVERTER_CLASS_CONFIG, BinaryDataConverter.class.getName());
        c.put(ConnectorConfig.VALUE_CONVERTER_CLASS_CONFIG + ".delegate.converter.type", JsonConverter.class.getName());
        c.put(ConnectorConfig.VALUE_CONVERTER_CLASS_CONFIG + ".delegate.converter.type."
                + JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false");
        c.put(ConnectorConfig.HEADER_CONVERTER_CLASS_CONFIG, SimpleHeaderConverter.class.getName());
        c.put(EmbeddedEngineConfig.ERRORS_MAX_RETRIES.name(), "-1");
        return c;
    }

    /** The engine's name; it keys the stored offsets, so it is derived from the slot and never changes. */
    public static String engineName(String slotName) {
        return CONNECTOR_NAME + "-" + slotName;
    }

    private static Map<String, String> connection(RelaySettings s, String password) {
        Map<String, String> c = new LinkedHashMap<>();
        PostgresEndpoint db = s.database();
        c.put(RelationalDatabaseConnectorConfig.HOSTNAME.name(), db.host());
        c.put(RelationalDatabaseConnectorConfig.PORT.name(), Integer.toString(db.port()));
        c.put(RelationalDatabaseConnectorConfig.DATABASE_NAME.name(), db.database());
        c.put(RelationalDatabaseConnectorConfig.USER.name(), s.databaseUser());
        if (password != null) {
            c.put(RelationalDatabaseConnectorConfig.PASSWORD.name(), password);
        }
        copyParameter(db, "sslmode", PostgresConnectorConfig.SSL_MODE.name(), c);
        if (!c.containsKey(PostgresConnectorConfig.SSL_MODE.name()) && "true".equalsIgnoreCase(db.parameters().get("ssl"))) {
            // pgjdbc reads ssl=true without an sslmode as verify-full: the replication connection must not verify less
            c.put(PostgresConnectorConfig.SSL_MODE.name(), "verify-full");
        }
        copyParameter(db, "sslrootcert", PostgresConnectorConfig.SSL_ROOT_CERT.name(), c);
        copyParameter(db, "sslfactory", PostgresConnectorConfig.SSL_SOCKET_FACTORY.name(), c);
        copyParameter(db, "sslcert", PostgresConnectorConfig.SSL_CLIENT_CERT.name(), c);
        copyParameter(db, "sslkey", PostgresConnectorConfig.SSL_CLIENT_KEY.name(), c);
        copyParameter(db, "sslpassword", PostgresConnectorConfig.SSL_CLIENT_KEY_PASSWORD.name(), c);
        return c;
    }

    private static void copyParameter(PostgresEndpoint db, String jdbcName, String debeziumName, Map<String, String> c) {
        String value = db.parameters().get(jdbcName);
        if (value != null && !value.isBlank()) {
            c.put(debeziumName, value);
        }
    }

    private static void route(Map<String, String> c, String name, String from, String to) {
        String prefix = "transforms." + name + ".";
        c.put(prefix + "type", RegexRouter.class.getName());
        c.put(prefix + "regex", literal(from));
        c.put(prefix + "replacement", to.replace("$", "\\$"));
    }

    /** A regex matching exactly this topic name (names use only [a-zA-Z0-9._-], so only dots need escaping). */
    private static String literal(String topic) {
        return topic.replace(".", "\\.");
    }
}

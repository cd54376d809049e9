package com.voxanne.ssot.faults.schedule;

/**
 * Every fault the suite can inject into the running pipeline. The category says what is attacked; {@link #disruptive()}
 * says whether the fault takes a component away for a while (a kill, a restart, an outage), which is the only thing
 * that may explain a violation that opens and resolves by itself (an SSOT write delayed past the grace period).
 */
public enum FaultKind {
    KILL_PROVISIONER_AFTER_SEARCH(Category.PROCESS_KILL, true, 2, "provisioner killed after the number search (NUMBER_CHOSEN stored)"),
    KILL_PROVISIONER_AFTER_PURCHASE_ANSWER(Category.PROCESS_KILL, true, 2, "provisioner killed after Twilio said yes, before it is stored"),
    KILL_PROVISIONER_AFTER_PURCHASE_STORED(Category.PROCESS_KILL, true, 2, "provisioner killed after PURCHASED is stored"),
    KILL_PROVISIONER_AFTER_IMPORT_ANSWER(Category.PROCESS_KILL, true, 2, "provisioner killed after Vapi said yes, before it is stored"),
    KILL_PROVISIONER_AFTER_IMPORT_STORED(Category.PROCESS_KILL, true, 2, "provisioner killed after IMPORTED is stored"),
    KILL_PROVISIONER_BEFORE_DB_COMMIT(Category.PROCESS_KILL, true, 2, "provisioner killed inside the final transaction, before COMMIT"),
    KILL_PROVISIONER_AFTER_DB_COMMIT(Category.PROCESS_KILL, true, 2, "provisioner killed right after the final COMMIT"),
    KILL_PROVISIONER_BEFORE_OFFSET_COMMIT(Category.PROCESS_KILL, true, 2,
            "provisioner stopped with its last request offsets uncommitted (group offsets rewound): requests redelivered"),
    KILL_PROJECTOR_BETWEEN_COMMITS(Category.PROCESS_KILL, true, 2, "projector killed after its SSOT COMMIT, before its offset commit"),
    KILL_RELAY_CONNECTION(Category.PROCESS_KILL, true, 2, "relay's replication connection killed (pg_terminate_backend of its walsender)"),
    RESTART_RELAY(Category.PROCESS_KILL, true, 1, "relay stopped and a new one started on the same slot and offsets"),
    RESTART_RECONCILER(Category.PROCESS_KILL, true, 1, "reconciler stopped and restarted on the same application id and state"),
    RESTART_RECONCILER_LOST_STATE(Category.PROCESS_KILL, true, 1, "reconciler restarted with its local state directory wiped"),
    RESTART_KAFKA(Category.INFRASTRUCTURE, true, 1, "Kafka broker stopped and started (same port and data)"),
    STOP_POSTGRES(Category.INFRASTRUCTURE, true, 1, "PostgreSQL stopped for 1-4 s, then started again"),
    RESTART_SCHEMA_REGISTRY(Category.INFRASTRUCTURE, true, 1, "schema registry stopped for 2-6 s, then started again (same port and data)"),
    DUPLICATE_REQUEST(Category.EVENT_LOG, false, 4, "an earlier request published again (same requestId)"),
    REPLAY_EVENT(Category.EVENT_LOG, false, 3, "an earlier NumberProvisioned record published again, byte for byte"),
    REPLAY_EVENT_LOG(Category.EVENT_LOG, true, 1, "projector stopped, its group rewound to the start of the event log, restarted"),
    OUT_OF_ORDER_EVENT(Category.EVENT_LOG, false, 3, "an older NumberProvisioned (stale vapiPhoneId) arrives after the newer one"),
    MALFORMED_REQUEST(Category.MALFORMED_INPUT, false, 4, "malformed record on the provisioning requests topic"),
    MALFORMED_EVENT(Category.MALFORMED_INPUT, false, 4, "malformed record on the NumberProvisioned event log"),
    MALFORMED_CDC_MANAGED(Category.MALFORMED_INPUT, false, 3, "malformed record on the managed_phone_numbers change stream"),
    MALFORMED_CDC_SSOT(Category.MALFORMED_INPUT, false, 3, "malformed record on the org_credentials change stream"),
    TWILIO_SEARCH_5XX(Category.PROVIDER, false, 2, "Twilio number search answers 503"),
    TWILIO_SEARCH_TIMEOUT(Category.PROVIDER, false, 1, "Twilio number search does not answer in time"),
    TWILIO_PURCHASE_4XX(Category.PROVIDER, false, 1, "Twilio refuses a purchase (400): permanent"),
    TWILIO_PURCHASE_5XX(Category.PROVIDER, false, 2, "Twilio purchase answers 500 without buying"),
    TWILIO_PURCHASE_5XX_AFTER_COMMIT(Category.PROVIDER, false, 2, "Twilio buys the number, then answers 500 (ambiguous)"),
    TWILIO_PURCHASE_TIMEOUT_AFTER_COMMIT(Category.PROVIDER, false, 1, "Twilio buys the number, then does not answer in time"),
    TWILIO_READ_5XX(Category.PROVIDER, false, 1, "Twilio read-back answers 503"),
    VAPI_IMPORT_4XX(Category.PROVIDER, false, 1, "Vapi refuses an import (400): permanent, the number is released"),
    VAPI_IMPORT_5XX(Category.PROVIDER, false, 2, "Vapi import answers 502 without importing"),
    VAPI_IMPORT_5XX_AFTER_COMMIT(Category.PROVIDER, false, 2, "Vapi imports, then answers 500 (ambiguous)"),
    VAPI_IMPORT_TIMEOUT(Category.PROVIDER, false, 1, "Vapi import does not answer in time"),
    VAPI_BLANK_ID(Category.PROVIDER, false, 1, "Vapi imports but answers with a blank id: permanent, compensated"),
    PROVIDER_SLOWNESS(Category.PROVIDER, false, 1, "every Twilio and Vapi call slowed by 300-900 ms for a few seconds"),
    STALLED_WORKER_BEFORE_PURCHASE(Category.PROCESS_KILL, true, 1,
            "a provisioner worker freezes just before sending a purchase until its lease is gone; another worker takes the saga over"),
    TWILIO_PURCHASE_TIMEOUT_THEN_NOT_AVAILABLE(Category.PROVIDER, false, 1,
            "Twilio buys, does not answer in time, and shows the number only seconds later: the retry is answered 21422 (ours now)"),
    NUMBER_TAKEN_BY_ANOTHER_BUYER(Category.PROVIDER, false, 2, "another Twilio customer buys the number a saga has just chosen"),
    BROKEN_TWILIO_CREDENTIALS(Category.PROVIDER, false, 1, "Twilio refuses our credentials (401) for 2-5 s: no purchase may start"),
    BROKEN_VAPI_KEY(Category.PROVIDER, false, 1, "Vapi refuses our key (401) for 2-5 s: no purchase may start, nothing is compensated"),
    THROTTLE_STORM(Category.PROVIDER, false, 1, "Twilio and Vapi answer a burst of calls with 429 and Retry-After"),
    KILL_PROVISIONER_AFTER_RELEASE_VALIDATED(Category.PROCESS_KILL, true, 1, "provisioner killed after a release is validated (RELEASE_VALIDATED stored)"),
    KILL_PROVISIONER_AFTER_VAPI_DELETE_ANSWER(Category.PROCESS_KILL, true, 1, "provisioner killed after Vapi deleted the number, before it is stored"),
    KILL_PROVISIONER_AFTER_VAPI_DELETED(Category.PROCESS_KILL, true, 1, "provisioner killed after VAPI_DELETED is stored"),
    KILL_PROVISIONER_AFTER_TWILIO_RELEASE_ANSWER(Category.PROCESS_KILL, true, 1, "provisioner killed after Twilio released the number, before it is stored"),
    KILL_PROVISIONER_AFTER_TWILIO_RELEASED(Category.PROCESS_KILL, true, 1, "provisioner killed after TWILIO_RELEASED is stored"),
    KILL_PROVISIONER_BEFORE_RELEASE_COMMIT(Category.PROCESS_KILL, true, 1, "provisioner killed inside the release's final transaction, before COMMIT"),
    KILL_PROVISIONER_AFTER_RELEASE_COMMIT(Category.PROCESS_KILL, true, 1, "provisioner killed right after the release's final COMMIT"),
    DUPLICATE_RELEASE_REQUEST(Category.EVENT_LOG, false, 2, "an earlier release request published again (same requestId)"),
    OUT_OF_ORDER_RELEASE(Category.EVENT_LOG, false, 2,
            "a new provision for an org, then an older release of that org published again behind it (same requestId)"),
    RELEASE_RACING_REPLAYED_PROVISION(Category.EVENT_LOG, true, 1,
            "a release sent while the projector is rewound and replays the event log, the number's NumberProvisioned included"),
    SSOT_LOSS(Category.SSOT_LOSS, false, 0, "an org_credentials row deleted behind the pipeline's back (the incident)"),
    STALE_SSOT_ROW(Category.SSOT_LOSS, false, 0, "an org_credentials row inserted for a number nobody manages (drift the other way)");

    /** What part of the system a fault attacks. */
    public enum Category { PROCESS_KILL, INFRASTRUCTURE, EVENT_LOG, MALFORMED_INPUT, PROVIDER, SSOT_LOSS }

    private final Category category;
    private final boolean disruptive;
    private final int weight;
    private final String description;

    FaultKind(Category category, boolean disruptive, int weight, String description) {
        this.category = category;
        this.disruptive = disruptive;
        this.weight = weight;
        this.description = description;
    }

    public Category category() {
        return category;
    }

    /** True when the fault takes a component away for a while, so SSOT writes may be late by more than the grace period. */
    public boolean disruptive() {
        return disruptive;
    }

    /** Relative frequency among the random extra faults of a schedule (0: never drawn at random). */
    public int weight() {
        return weight;
    }

    public String description() {
        return description;
    }

    /** A provider refusal the saga must treat as final: the only faults that may explain a FAILED result. */
    public boolean permanentProviderFault() {
        return this == TWILIO_PURCHASE_4XX || this == VAPI_IMPORT_4XX || this == VAPI_BLANK_ID;
    }
}

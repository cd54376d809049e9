package com.voxanne.ssot.faults.check;

/** The global invariants a run must keep, whatever was injected. */
public enum Invariant {
    ONE_FINAL_RESULT("every accepted request has exactly one final result"),
    OUTCOME_EXPLAINED("every FAILED result is explained by an injected permanent provider fault; every invalid request is REJECTED with a reason"),
    ONE_MANAGED_NUMBER("every SUCCEEDED request has exactly one managed number, as reported and as requested, active unless a"
            + " SUCCEEDED release of the run released it; no other request holds one"),
    ONE_SSOT_ROW("every SUCCEEDED request whose number is still active has exactly one SSOT row, managed, visible and matching;"
            + " no SSOT row without an active managed number"),
    TWILIO_MATCHES_DB("the fake Twilio holds exactly the active managed numbers (0 orphaned purchases; released ones are given back)"),
    NO_DOUBLE_PURCHASE("no number bought twice; every purchase belongs to a request"),
    PAID_NUMBER_ACCOUNTED("every number we paid for ends as an active managed number, or given back by a recorded compensation"
            + " or by a SUCCEEDED release"),
    NO_PURCHASE_WHILE_BROKEN("no purchase starts while the provider circuit is open (credentials known broken)"),
    VAPI_MATCHES_DB("the fake Vapi holds exactly the active managed numbers, with their ids (0 orphaned imports; released ones deleted)"),
    RELEASED_GONE_EVERYWHERE("every released managed row's Vapi import is deleted; every number a SUCCEEDED release gave back (and"
            + " nobody bought again) is gone from Twilio, Vapi and the org's dropdown, its managed row released"),
    RELEASE_APPLIED_ONCE("every release has one result, SUCCEEDED, and one NumberReleased event; each released managed row"
            + " was released by one release"),
    NO_RESURRECTION_AFTER_BACKFILL("after the run's backfill from the beginning of the event log, no released number is back in the SSOT"
            + " (bought again: not with its released Vapi id)"),
    STALE_ROWS_OPEN_AND_RESOLVE("every injected stale SSOT row opened one STALE_SSOT_ROW violation, RESOLVED once the row was deleted"),
    LOSS_OPENED("every injected SSOT loss opened a MISSING_SSOT_ROW violation"),
    LOSS_RESOLVED("every injected SSOT loss's violation RESOLVED after the backfill"),
    NO_UNEXPLAINED_VIOLATION("no violation was raised that no fault explains"),
    MALFORMED_IN_DLQ("every malformed record is in its DLQ, byte for byte, with a reason; nothing else is"),
    CONSUMERS_WENT_ON("every consumer committed past every malformed record"),
    NO_SECRET_LEAK("no fake secret in logs, events, DLQ headers, stored errors, exception messages or command output"),
    ORG_ISOLATION("the dropdown and compliance check of one org never show another org's numbers"),
    HTTP_SURFACE("the status server answers data only to its token, never to a hostile Host, and /health while slow clients hang on");

    private final String description;

    Invariant(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}

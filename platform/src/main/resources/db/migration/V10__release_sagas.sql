-- Release sagas (issue 18): a number given back goes through the same saga table as a provision, so one org's
-- provision and release requests share one ordered inbox (arrival_seq) and one claim rule (an org's oldest
-- unfinished request first), and a requestId names one saga whatever its kind.
ALTER TABLE provisioning_requests
    ADD COLUMN kind text NOT NULL DEFAULT 'PROVISION'
        CONSTRAINT provisioning_requests_kind CHECK (kind IN ('PROVISION', 'RELEASE')),
    ADD COLUMN release_reason text;

-- The release states: RELEASE_VALIDATED (an active managed number of the org, its ids copied here), VAPI_DELETED
-- (the Vapi import is gone), TWILIO_RELEASED (Twilio no longer owns it); the final transaction makes it COMPLETED.
ALTER TABLE provisioning_requests DROP CONSTRAINT provisioning_requests_state;
ALTER TABLE provisioning_requests ADD CONSTRAINT provisioning_requests_state CHECK (state IN (
    'RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPLETED', 'COMPENSATING', 'FAILED', 'REJECTED',
    'RELEASE_VALIDATED', 'VAPI_DELETED', 'TWILIO_RELEASED'));
ALTER TABLE provisioning_requests ADD CONSTRAINT provisioning_requests_release_states CHECK (
    kind = 'RELEASE' OR state NOT IN ('RELEASE_VALIDATED', 'VAPI_DELETED', 'TWILIO_RELEASED'));
ALTER TABLE provisioning_requests ADD CONSTRAINT provisioning_requests_release_needs_number CHECK (
    kind = 'PROVISION' OR state = 'REJECTED' OR phone_number IS NOT NULL);

-- The claim's partial indexes name the unfinished states: add the release ones.
DROP INDEX provisioning_requests_unfinished_org_idx;
DROP INDEX provisioning_requests_unfinished_seq_idx;
CREATE INDEX provisioning_requests_unfinished_org_idx ON provisioning_requests (org_id, arrival_seq)
    WHERE state IN ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING',
                    'RELEASE_VALIDATED', 'VAPI_DELETED', 'TWILIO_RELEASED');
CREATE INDEX provisioning_requests_unfinished_seq_idx ON provisioning_requests (arrival_seq)
    WHERE state IN ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING',
                    'RELEASE_VALIDATED', 'VAPI_DELETED', 'TWILIO_RELEASED');
-- At most one release of a number past validation at a time (a second one waits, then finds it released).
CREATE UNIQUE INDEX provisioning_requests_inflight_release_key ON provisioning_requests (phone_number)
    WHERE state IN ('RELEASE_VALIDATED', 'VAPI_DELETED', 'TWILIO_RELEASED');

-- Why and by which request a managed number was released (released_at exists since V1).
ALTER TABLE managed_phone_numbers
    ADD COLUMN release_reason     text,
    ADD COLUMN release_request_id text;

-- The tables of the SSOT pipeline (../../../../../../README.md, "Contract").
-- Constraints make the bad states of the incident impossible to write, not just unlikely.

CREATE TABLE organizations (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL CONSTRAINT organizations_name_not_blank CHECK (btrim(name) <> ''),
    email       text        NOT NULL
                            CONSTRAINT organizations_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$')
                            CONSTRAINT organizations_email_lowercase CHECK (email = lower(email)),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_email_key UNIQUE (email)
);

-- Operations' record of every number the platform bought for an organisation.
CREATE TABLE managed_phone_numbers (
    id             uuid        PRIMARY KEY,
    org_id         uuid        NOT NULL REFERENCES organizations (id),
    phone_number   text        NOT NULL CONSTRAINT managed_phone_numbers_phone_e164 CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
    twilio_sid     text        NOT NULL CONSTRAINT managed_phone_numbers_twilio_sid_format CHECK (twilio_sid ~ '^PN[0-9a-fA-F]{32}$'),
    vapi_phone_id  text        NOT NULL CONSTRAINT managed_phone_numbers_vapi_phone_id_not_blank CHECK (btrim(vapi_phone_id) <> ''),
    status         text        NOT NULL DEFAULT 'active'
                               CONSTRAINT managed_phone_numbers_status CHECK (status IN ('active', 'released')),
    request_id     text        CONSTRAINT managed_phone_numbers_request_id_key UNIQUE,  -- NULL only for legacy rows
    friendly_name  text,
    provisioned_at timestamptz NOT NULL,
    released_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT managed_phone_numbers_released_at CHECK ((status = 'released') = (released_at IS NOT NULL))
);
-- A number is owned by at most one organisation at a time.
CREATE UNIQUE INDEX managed_phone_numbers_active_phone_key ON managed_phone_numbers (phone_number) WHERE status = 'active';
CREATE INDEX managed_phone_numbers_org_idx ON managed_phone_numbers (org_id);

-- The single source of truth that agent-configuration dropdowns read.
CREATE TABLE org_credentials (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         uuid        NOT NULL REFERENCES organizations (id),
    provider       text        NOT NULL CONSTRAINT org_credentials_provider CHECK (provider IN ('twilio')),
    phone_number   text        NOT NULL CONSTRAINT org_credentials_phone_e164 CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
    vapi_phone_id  text,       -- may be missing on legacy rows: the reconciler flags MISSING_VAPI_ID
    twilio_sid     text,
    is_managed     boolean     NOT NULL DEFAULT false,
    last_event_id  uuid,
    version        bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT org_credentials_org_provider_phone_key UNIQUE (org_id, provider, phone_number)
);

-- Transactional outbox. Rows are inserted and deleted in the same transaction:
-- the log-based relay reads the insert from the WAL, so the table stays empty.
CREATE TABLE outbox (
    id             uuid        PRIMARY KEY,
    aggregatetype  text        NOT NULL,
    aggregateid    text        NOT NULL,
    type           text        NOT NULL,
    payload        bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Saga state of the provisioner, one row per requestId (also its inbox: duplicates collapse here).
CREATE TABLE provisioning_requests (
    request_id      text        PRIMARY KEY CONSTRAINT provisioning_requests_request_id_not_blank CHECK (btrim(request_id) <> ''),
    org_id          text        NOT NULL,  -- as received: an unknown org is recorded, then REJECTED
    country_code    text,
    area_code       text,
    friendly_name   text,
    state           text        NOT NULL DEFAULT 'RECEIVED'
                                CONSTRAINT provisioning_requests_state CHECK (state IN (
                                    'RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPLETED',
                                    'COMPENSATING', 'FAILED', 'REJECTED')),
    phone_number    text        CONSTRAINT provisioning_requests_phone_e164 CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
    twilio_sid      text,
    vapi_phone_id   text,
    attempts        integer     NOT NULL DEFAULT 0,
    failure_point   text,
    error           text,
    compensation    text,       -- what was released, recorded so compensation is idempotent
    lease_owner     text,
    lease_until     timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    arrival_seq     bigint      GENERATED ALWAYS AS IDENTITY,  -- per-org arrival order
    result_published boolean    NOT NULL DEFAULT false,
    requested_at    timestamptz,
    received_at     timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    CONSTRAINT provisioning_requests_purchase_needs_number CHECK (twilio_sid IS NULL OR phone_number IS NOT NULL)
);
CREATE INDEX provisioning_requests_unfinished_idx ON provisioning_requests (org_id, arrival_seq)
    WHERE state NOT IN ('COMPLETED', 'FAILED', 'REJECTED');
CREATE INDEX provisioning_requests_unpublished_idx ON provisioning_requests (arrival_seq)
    WHERE result_published = false AND state IN ('COMPLETED', 'FAILED', 'REJECTED');

-- Deletes must carry (org_id, phone_number) so the relay can key the retraction the reconciler needs,
-- and updates must carry the old key so a key change retracts the old key.
ALTER TABLE managed_phone_numbers REPLICA IDENTITY FULL;
ALTER TABLE org_credentials REPLICA IDENTITY FULL;

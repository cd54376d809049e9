-- The projector applies NumberReleased by REMOVING the org_credentials row: every reader of the SSOT (the
-- agent-configuration dropdown, check, audit, the reconciler's CDC join, and any other consumer of the table) keeps
-- reading "a row = a number offered", with no flag to forget. What is remembered instead is the release itself, per
-- (org, number), with its version (releasedAt millis) and event id: the guard that keeps a NumberProvisioned older
-- than the release (a backfill replaying the log, a late redelivery) from putting the row back. A NumberProvisioned
-- newer than the release (the number bought again) passes and offers the number again.
CREATE TABLE ssot_released_numbers (
    org_id        uuid        NOT NULL REFERENCES organizations (id),
    phone_number  text        NOT NULL CONSTRAINT ssot_released_numbers_phone_e164 CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
    last_event_id uuid        NOT NULL,
    version       bigint      NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, phone_number)
);

GRANT SELECT, INSERT, UPDATE ON ssot_released_numbers TO ssot_projector;
GRANT DELETE ON org_credentials TO ssot_projector;
GRANT SELECT ON ssot_released_numbers TO ssot_reader;

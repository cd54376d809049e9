-- Who wrote each SSOT row, for the compliance timeline ("what resolved this violation": the projector's normal path,
-- a backfill replay, or an operator's manual SQL). The column reaches the reconciler through the relay's CDC of
-- org_credentials (the publication of V2 has no column list: every column is published).
--
-- The writer is not a parameter of the statements: a trigger sets it from the transaction-local setting ssot.writer,
-- which the projector sets to 'projector' and the backfill to 'backfill' (set_config('ssot.writer', ..., true) in the
-- transaction of their upsert). Anything else, i.e. an operator's psql session, is recorded as 'operator'. Rows
-- written before this migration keep NULL: their writer is unknown.
ALTER TABLE org_credentials
    ADD COLUMN written_by text
        CONSTRAINT org_credentials_written_by CHECK (written_by IN ('projector', 'backfill', 'operator'));

-- SECURITY INVOKER (the default): it runs with the writing role's rights and reads only a setting, so the projector's
-- role (V7) needs nothing more than what its upsert already has. EXECUTE on a new function is granted to PUBLIC.
-- current_setting(..., true) is NULL when the setting was never defined in the session and '' after a transaction
-- that set it locally ended: both, and any unexpected value, mean "not one of the pipeline's writers".
CREATE FUNCTION ssot_row_writer() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    writer text := current_setting('ssot.writer', true);
BEGIN
    NEW.written_by := CASE WHEN writer IN ('projector', 'backfill') THEN writer ELSE 'operator' END;
    RETURN NEW;
END
$$;

CREATE TRIGGER org_credentials_written_by
    BEFORE INSERT OR UPDATE ON org_credentials
    FOR EACH ROW EXECUTE FUNCTION ssot_row_writer();

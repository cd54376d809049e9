-- One trace per request: the W3C trace context (traceparent, tracestate) of a provisioning request is kept with its
-- saga, so a saga resumed after a crash, a restart or by another instance continues the same trace, and with its
-- outbox row, so the relay puts it in the NumberProvisioned record's headers and the projector continues it.
-- Nullable: rows from before this version, and events re-emitted by the managed-numbers backfill, have none.
-- The relay's publication covers every column of the outbox (V2), so the new ones reach Debezium with no change there.
ALTER TABLE provisioning_requests
    ADD COLUMN traceparent text,
    ADD COLUMN tracestate  text;
ALTER TABLE outbox
    ADD COLUMN traceparent text,
    ADD COLUMN tracestate  text;

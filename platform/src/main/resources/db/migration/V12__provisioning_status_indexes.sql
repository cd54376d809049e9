-- The status page's provisioning queries scanned the whole provisioning_requests table (it keeps every request ever
-- received), so each refresh cost O(history):
--   /api/status outcomes:  ... WHERE received_at > now() - interval '24 hours' GROUP BY state, failure_point
--   HistoryProbes chart:   ... WHERE completed_at > ? AND completed_at <= ? AND state IN (terminal states) GROUP BY state
-- A range index on each makes them read only the window asked for. completed_at is NULL until a saga ends and never
-- changes after, so its index is partial: unfinished sagas (the busy rows, updated at every step) are not in it and
-- their step commits do not maintain it. The state is included so the chart's count is an index-only scan.
-- The saga claim already has its indexes (V3: unfinished rows by arrival_seq, and by org_id, arrival_seq).
CREATE INDEX provisioning_requests_received_at_idx ON provisioning_requests (received_at);
CREATE INDEX provisioning_requests_completed_at_idx ON provisioning_requests (completed_at, state)
    WHERE completed_at IS NOT NULL;

-- The saga workers' claim query filters unfinished requests with
--   state IN ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING')
-- V1's partial index said "state NOT IN (terminal states)": equivalent under the CHECK constraint, but the
-- planner cannot prove it, so the index went unused and every claim scanned the whole backlog twice
-- (O(n^2) with the per-org NOT EXISTS; ~0.5 s per claim at 5,000 pending requests). These predicates match
-- the query's text, so the planner uses them: the outer scan walks unfinished rows in arrival order and the
-- "is there an older unfinished request of this org" probe is one index lookup.
DROP INDEX provisioning_requests_unfinished_idx;
CREATE INDEX provisioning_requests_unfinished_org_idx ON provisioning_requests (org_id, arrival_seq)
    WHERE state IN ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING');
CREATE INDEX provisioning_requests_unfinished_seq_idx ON provisioning_requests (arrival_seq)
    WHERE state IN ('RECEIVED', 'NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING');

-- At most one unfinished saga holds a given number between choosing it and recording it (or releasing it).
-- Until now the provisioner serialised number choice with a global advisory lock; the database now enforces the
-- rule itself, so concurrent sagas choose numbers in parallel and a second saga racing for the same number gets a
-- unique violation and takes the next candidate. Once recorded, managed_phone_numbers_active_phone_key takes over.
CREATE UNIQUE INDEX provisioning_requests_inflight_phone_key ON provisioning_requests (phone_number)
    WHERE state IN ('NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING');

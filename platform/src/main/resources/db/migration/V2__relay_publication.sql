-- The publication the log-based relay (Debezium, pgoutput) reads. Created here, up front, so that
-- production relays run with publication.autocreate.mode=disabled and need no superuser.
-- ${publication} is a Flyway placeholder (default ssot_relay, see Migrations).
CREATE PUBLICATION ${publication} FOR TABLE outbox, managed_phone_numbers, org_credentials;
